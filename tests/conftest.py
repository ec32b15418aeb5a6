"""Shared fixtures. Tests marked `postgres`/`redis` fail (never skip) without the real parts."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from gamebuddies.actors import Actor
from rooms.models import Game


def pytest_configure(config):
    # The SQLite pass keeps its test database on disk so threads share it like processes would.
    (settings.BASE_DIR / ".tmp").mkdir(exist_ok=True)
    # Tests drive the ASGI app in this process: they run the sweeps and tasks they test themselves.
    settings.EMBEDDED_WORKER = False


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords or "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture
def live_server_url(transactional_db):
    """Base URL of a real Uvicorn server (one worker) over the test database."""
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
