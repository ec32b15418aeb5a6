"""Helpers for emptying the PostgreSQL test database between transactional tests (tests/conftest.py)."""

from __future__ import annotations

import time

from django.db import OperationalError


def retry_on_deadlock(call, attempts: int = 5):
    """Run `call` again when PostgreSQL aborted it as one side of a deadlock.

    The worker's shared live server may still be finishing the last test's write (a socket's
    disconnect after its grace) while the flush deletes the rows. Unlike TRUNCATE, which waits
    for a table lock, DELETE takes row locks in its own order, and PostgreSQL may abort either
    side; when it is the flush, the tables are emptied again.
    """
    from psycopg.errors import DeadlockDetected

    for attempt in range(attempts):
        try:
            return call()
        except OperationalError as exc:
            if not isinstance(exc.__cause__, DeadlockDetected) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return None
