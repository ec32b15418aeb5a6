"""Shared fixtures.

A test marked `postgres` or `redis` fails, never skips, when run without the real part
(_require_real_parts below). That is all this file enforces: a test may still skip itself, and
a few unmarked ones do, e.g. tests/gamebuddies/test_schema.py's SQLite index check skips on
PostgreSQL (which a marked test checks through pg_indexes). `make test` counts every skip in
its summary, so none goes unseen.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from gamebuddies.actors import Actor
from rooms.models import Game
from tests.db_flush import retry_on_deadlock


def pytest_configure(config):
    # The SQLite pass keeps its test database on disk so threads share it like processes would.
    (settings.BASE_DIR / ".tmp").mkdir(exist_ok=True)
    # Tests drive the ASGI app in this process: they run the sweeps and tasks they test themselves.
    settings.EMBEDDED_WORKER = False
    _flush_postgresql_by_delete()


def _flush_postgresql_by_delete():
    """Empty the PostgreSQL test database after a transactional test with DELETE, not TRUNCATE.

    Django's flush truncates every table, which on PostgreSQL replaces each table's and index's
    files: about half a second a test on a busy machine (2 minutes of the suite), where deleting
    the few rows a test made takes about 15 ms. The result is the same empty database: the
    foreign keys are deferrable (checked at commit, when every table is empty) and no trigger
    fires on DELETE (rooms/migrations). Sequences go on either way (reset_sequences is off);
    a flush that asks to reset them or to cascade keeps Django's TRUNCATE.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        deletes = [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};" for t in tables]
        return [f"{style.SQL_KEYWORD('SET CONSTRAINTS ALL DEFERRED')};", *deletes]

    DatabaseOperations.sql_flush = sql_flush

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return retry_on_deadlock(lambda: flush(self, sql_list))

    DatabaseOperations.execute_sql_flush = execute_sql_flush



def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords or "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, dropped at the end even if a session was left on it.

    A pool that belonged to a finished test's event loop (gamebuddies/pg.py keeps one per loop)
    can still hold a connection when the session ends; DROP DATABASE then refuses ("being
    accessed by other users"), which leaves the database behind with only a warning. Every test
    has finished by now, so the sessions left on this test database are strays: end them first.
    """
    yield
    if connection.vendor != "postgresql":
        return
    import psycopg

    db = connection.settings_dict
    with django_db_blocker.unblock(), psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as admin:  # fmt: skip
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [db["NAME"]],
        )


@pytest.fixture(autouse=True)
def _require_real_parts(request):
    if request.node.get_closest_marker("postgres") and not settings.DATABASE_URL.startswith("postgres"):
        pytest.fail("this test needs PostgreSQL: run it through `make test` or set DATABASE_URL")
    if request.node.get_closest_marker("redis") and not settings.REDIS_URL:
        pytest.fail("this test needs Redis: run it through `make test` or set REDIS_URL")


@pytest.fixture(autouse=True)
def _pool_not_drained_by_dead_threads():
    """Give the next test a whole connection pool.

    Socket tests run their database work on the event loop's executor threads, and every test
    has its own loop: its threads end with it, and a pooled connection a thread still held is
    closed by the garbage collector without the pool counting it back, so the pool shrinks by
    one per socket test until checkouts time out. (A server's executor threads live as long as
    the process, so this only happens to tests.) Reopen the pool when that happened.
    """
    yield
    if connection.vendor != "postgresql" or getattr(connection, "pool", None) is None:
        return
    stats = connection.pool.get_stats()
    if stats.get("pool_size", 0) - stats.get("pool_available", 0) > 1:
        connection.close()
        connection.close_pool()


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate-limit counters, cached keys and snapshots must not leak from one test to the next,
    # nor the in-process "key touched recently" marks.
    from gameapi import services as gameapi_services

    cache.clear()
    gameapi_services._touched_at.clear()
    yield


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def staff_actor() -> Actor:
    return Actor.staff(label="test-staff", permissions={"rooms.close_room", "rooms.kick_member", "rooms.transfer_host"})


@pytest.fixture
def quiz_game(db) -> Game:
    return Game.objects.create(
        slug="quiz",
        name="Quick Quiz",
        launch_url="https://games.example/quiz",
        min_players=2,
        max_players=8,
        settings_schema={"rounds": {"type": "int", "min": 1, "max": 10, "default": 3}},
    )


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def _live_server_for_the_session(django_db_setup):
    # Depends on django_db_setup so the server stops before the test database is dropped.
    from tests.live import running_server

    with running_server() as url:
        yield url


@pytest.fixture
def live_server_url(request, transactional_db):
    """Base URL of a real Uvicorn server (one worker) over the test database.

    With Redis, one server serves every test of the session (of each xdist worker): what it
    keeps between requests is in the database, which transactional_db empties after each test,
    or in Redis, which _clean_cache empties before each test, so nothing carries over. Without
    Redis the server's cache is its own process memory (rate-limit counters, cached snapshots),
    which no test can clear, so each test gets a fresh server there.
    """
    if settings.REDIS_URL:
        yield request.getfixturevalue("_live_server_for_the_session")
        return
    from tests.live import running_server

    with running_server() as url:
        yield url


class _RateLimitClock:
    """django-ratelimit counts in fixed windows of wall-clock time; a test that straddles a
    window boundary would see its counter reset half-way. Tests get a clock that stands
    still (and can be moved on purpose)."""

    def __init__(self):
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def ratelimit_clock(monkeypatch):
    clock = _RateLimitClock()
    monkeypatch.setattr("django_ratelimit.core.time", clock)
    return clock
