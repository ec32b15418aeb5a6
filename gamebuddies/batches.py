"""Batched sweeps that several worker processes can run at once without waiting on each other."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


def claim_batch(queryset, size: int) -> list:
    """Primary keys of up to `size` matching rows, locked until the current transaction ends.

    `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL: rows another sweeper holds are passed
    over, not waited for, so two sweepers take disjoint batches. SQLite has one writer at a
    time and no row locks; Django leaves the clause out there.
    """
    return list(queryset.select_for_update(skip_locked=True).order_by().values_list("pk", flat=True)[:size])


def in_batches(handle_batch: Callable[[], list]) -> int:
    """Run `handle_batch` (one transaction, returning the keys it handled) until it handles none."""
    total = 0
    while True:
        with transaction.atomic():
            handled = handle_batch()
        if not handled:
            return total
        total += len(handled)
