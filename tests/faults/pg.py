"""Real PostgreSQL faults for tests: terminate backends the way an operator or a failover does."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from django.db import connection


def admin_dsn() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def terminate_backend(pid: int) -> None:
    """pg_terminate_backend, waiting (up to 5 s) until the backend is gone."""
    with psycopg.connect(admin_dsn(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


def terminate_other_backends() -> int:
    """Terminate every other session on the test database (the pools' idle and busy connections)."""
    with psycopg.connect(admin_dsn(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@contextmanager
def backend_killed_before(sql_fragment: str, *, times: int = 1):
    """Terminate this connection's backend just before each of the next `times` statements
    containing `sql_fragment` is sent: the statement then meets a really lost connection."""
    left = {"n": times}

    def wrapper(execute, sql, params, many, context):
        if left["n"] and sql_fragment in sql:
            left["n"] -= 1
            terminate_backend(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield left
