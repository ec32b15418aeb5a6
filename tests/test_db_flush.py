"""The test database's DELETE flush survives a deadlock with a live server's last write (tests/db_flush.py)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError

from tests.db_flush import retry_on_deadlock


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def test_a_flush_aborted_as_a_deadlock_is_run_again():
    calls = []

    def flush():
        calls.append(1)
        if len(calls) < 3:
            raise _deadlock()
        return "emptied"

    assert retry_on_deadlock(flush) == "emptied"
    assert len(calls) == 3


def test_other_database_errors_and_a_deadlock_that_persists_are_raised():
    def broken():
        raise OperationalError("server closed the connection")

    with pytest.raises(OperationalError, match="server closed"):
        retry_on_deadlock(broken)
    calls = []

    def always_deadlocked():
        calls.append(1)
        raise _deadlock()

    with pytest.raises(OperationalError, match="deadlock"):
        retry_on_deadlock(always_deadlocked, attempts=3)
    assert len(calls) == 3
