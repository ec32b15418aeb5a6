"""What counts as a PostgreSQL or Redis outage, and one log line per outage.

Faults of the shared services are answered 503 SERVICE_UNAVAILABLE (retryable, with
Retry-After), never 500: gamebuddies/errors.py maps these exceptions, and
gamebuddies/db_resilience.py re-runs a request whose database connection was lost
before anything was committed. Components that degrade while Redis is away (the cache,
the rate limiters) keep an `Outage` so the first failure and the recovery are logged
once, not once per request.
"""

from __future__ import annotations

import logging
import threading
import time
from contextvars import ContextVar

import redis.exceptions
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("gamebuddies.outages")

# Redis unreachable, refused, reset, still loading after a restart, or too slow to answer.
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

# The server ended the session: admin_shutdown (pg_terminate_backend), crash_shutdown,
# cannot_connect_now (starting up or shutting down). Class 08 is "connection exception".
_SESSION_ENDED_SQLSTATES = {"57P01", "57P02", "57P03"}


def is_database_outage(exc: BaseException) -> bool:
    """The database could not do the work (connection lost or refused, pool exhausted, timeout)."""
    return isinstance(exc, OperationalError | InterfaceError)


def is_cache_outage(exc: BaseException) -> bool:
    return isinstance(exc, REDIS_ERRORS)


def outage_cause(exc: BaseException) -> str | None:
    """"database", "cache", or None when `exc` is not an outage of a shared service."""
    if is_database_outage(exc):
        return "database"
    if is_cache_outage(exc):
        return "cache"
    return None


def is_connection_lost(exc: BaseException) -> bool:
    """The request's PostgreSQL connection broke under it (backend terminated, server restarted,
    network cut). Not a pool timeout (no connection was ever handed out) and not an error the
    server reported on a healthy session (statement timeout, deadlock)."""
    if not is_database_outage(exc):
        return False
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # SQLite only
        return False
    cause = exc.__cause__
    if not isinstance(cause, psycopg.Error) or isinstance(cause, psycopg_pool.PoolTimeout):
        return False
    sqlstate = cause.sqlstate
    # No SQLSTATE: the client side saw the socket close ("server closed the connection
    # unexpectedly", "the connection is closed", "consuming input failed").
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _SESSION_ENDED_SQLSTATES


class Outage:
    """One dependency as this process sees it: down since the first failure, up on the next success.

    `failed()` logs only the first failure of an outage and `recovered()` only the first success
    after it, so a Redis restart under load costs two log lines, not one per request.
    """

    def __init__(self, name: str, consequence: str):
        self.name = name
        self.consequence = consequence
        self._down_since: float | None = None
        self._last_failure = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def seconds_since_failure(self) -> float:
        return time.monotonic() - self._last_failure

    def failed(self, exc: BaseException | None = None) -> bool:
        """Record a failure; True when it starts a new outage (and was logged)."""
        now = time.monotonic()
        with self._lock:
            self._last_failure = now
            first = self._down_since is None
            if first:
                self._down_since = now
        if first:
            logger.warning("%s unavailable (%s): %s", self.name, type(exc).__name__ if exc else "?", self.consequence)
        return first

    def recovered(self) -> None:
        if self._down_since is None:  # the common case: no lock taken
            return
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            logger.warning("%s is back after %.1f s", self.name, time.monotonic() - since)


# The outage the current request (or socket message) ran into, for the retry decision.
_noted: ContextVar[BaseException | None] = ContextVar("gamebuddies_noted_outage", default=None)


def note_outage(exc: BaseException) -> None:
    _noted.set(exc)


def take_noted_outage() -> BaseException | None:
    """The outage noted since the last call in this context (and forget it)."""
    exc = _noted.get()
    if exc is not None:
        _noted.set(None)
    return exc


# Room broadcasts that cannot be handed to the channel layer (Redis away): rooms/broadcast.py
# counts every one in gamebuddies_broadcasts_total{outcome="failed"}; this logs the outage once.
broadcasts = Outage(
    "Room broadcasts (channel layer)",
    "snapshots are dropped and counted until it is back; clients catch up by version and sync",
)


# PostgreSQL as requests see it: a connection could not be had from a pool (the server is
# refusing, unreachable or hung). While it is known down, requests that need a new connection
# are answered 503 at once instead of each waiting out the pool's timeout (on a worker's one
# thread for Django views, those waits queue up); one try goes through every
# DATABASE_BREAKER_SECONDS to notice the recovery (gamebuddies/db_resilience.py, gamebuddies/pg.py).
database = Outage("PostgreSQL", "requests needing a connection answer 503 at once until it answers again")
DATABASE_BREAKER_SECONDS = 1.0


def database_breaker_open(idle_connections: int) -> bool:
    """Refuse at once? Only while the database failed less than DATABASE_BREAKER_SECONDS ago
    and the pool has no idle connection to hand out (one coming back means it is up)."""
    return database.down and idle_connections == 0 and database.seconds_since_failure() < DATABASE_BREAKER_SECONDS
