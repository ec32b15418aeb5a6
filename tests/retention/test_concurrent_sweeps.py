"""Sweeps in several worker processes share the work and never wait on each other (issue: operations).

Each sweeper is a thread with its own database connection, as a worker process would be.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from gameapi.models import ApiRequest
from gameapi.retention import prune_api_requests, prune_api_requests_batch
from players.models import PlayerSession, SessionStatus
from rooms.models import Room
from rooms.services.retention import expire_sessions, expire_sessions_batch, prune_rooms, prune_rooms_batch
from tests.retention.old_rows import ended_rooms, expired_sessions, old_api_requests

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUTOFF_DAYS = 30


def _cutoff():
    return timezone.now() - timedelta(days=CUTOFF_DAYS)


SWEEPS = {
    "rooms": (lambda: ended_rooms(24, players=1), lambda: prune_rooms_batch(cutoff=_cutoff(), size=3)),
    "sessions": (lambda: expired_sessions(24), lambda: expire_sessions_batch(now=timezone.now(), size=3)),
    "api_requests": (lambda: old_api_requests(60), lambda: prune_api_requests_batch(cutoff=_cutoff(), size=5)),
}


def _sweeper(batch, start: threading.Barrier, handled: list, errors: list) -> None:
    try:
        start.wait(timeout=10)
        while True:
            with transaction.atomic():
                ids = batch()
                time.sleep(0.05)  # the batch's rows stay locked while it works, as a big batch's would
            if not ids:
                return
            handled.extend(ids)
    except Exception as exc:  # reported by the test thread
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.parametrize("sweep", SWEEPS)
def test_two_sweepers_at_once_handle_every_row_exactly_once(sweep):
    make_rows, batch = SWEEPS[sweep]
    rows = set(make_rows())
    start, errors = threading.Barrier(2), []
    handled = ([], [])
    threads = [threading.Thread(target=_sweeper, args=(batch, start, mine, errors)) for mine in handled]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    first, second = (set(ids) for ids in handled)
    assert len(handled[0]) == len(first) and len(handled[1]) == len(second)  # no row twice in one sweeper
    assert first.isdisjoint(second), f"rows handled twice: {first & second}"
    assert first | second == rows
    assert first and second, "both sweepers should have taken batches while the other held its own"


def _hold_locks(queryset, held: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            list(queryset.select_for_update())
            held.set()
            release.wait(timeout=20)
    finally:
        connection.close()


@pytest.mark.parametrize(
    "make_rows, model, sweep_all",
    [
        (lambda: ended_rooms(6, players=1), Room, prune_rooms),
        (lambda: expired_sessions(6), PlayerSession, expire_sessions),
        (lambda: old_api_requests(6), ApiRequest, prune_api_requests),
    ],
    ids=["rooms", "sessions", "api_requests"],
)
def test_a_sweep_passes_over_rows_another_sweeper_holds_instead_of_waiting(make_rows, model, sweep_all):
    rows = make_rows()
    held_rows = rows[:2]
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_locks, args=(model.objects.filter(pk__in=held_rows), held, release))
    holder.start()
    try:
        assert held.wait(timeout=10)
        started = time.monotonic()
        assert sweep_all() == len(rows) - 2
        assert time.monotonic() - started < 5, "the sweep waited for the other sweeper's locks"
    finally:
        release.set()
        holder.join(timeout=30)
    assert sweep_all() == 2  # the next sweep takes what was held
    if model is PlayerSession:
        assert set(model.objects.filter(pk__in=rows).values_list("status", flat=True)) == {SessionStatus.EXPIRED}
    else:
        assert not model.objects.filter(pk__in=rows).exists()
