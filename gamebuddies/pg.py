"""psycopg's async connection pool, for the lean async paths that never leave the event loop.

Django's ORM is synchronous: under ASGI every ORM call hops to the one thread a process
runs sync code on, so a process serves one such request at a time (docs/performance.md).
The hot Game API routes therefore talk to PostgreSQL through this pool instead, on the
server's own event loop. Only on PostgreSQL; the embedded SQLite default keeps the ORM.

One pool per process and event loop, opened lazily on first use and pointed at the same
database as Django's connection (so the test database under pytest). Connections run in
autocommit: callers send BEGIN/COMMIT themselves inside one pipeline, so a whole
transaction costs as few round trips as its statements need.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import orjson
import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from psycopg import AsyncConnection
from psycopg.conninfo import make_conninfo
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from gamebuddies import outages

logger = logging.getLogger(__name__)

_pools: dict[asyncio.AbstractEventLoop, AsyncConnectionPool] = {}


def is_available() -> bool:
    return connections["default"].vendor == "postgresql"


def _conninfo() -> str:
    db = connections["default"].settings_dict
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k not in ("pool", "isolation_level")}
    params = {
        "dbname": db.get("NAME"),
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
        "application_name": "gamebuddies-async",
        # A hung or unreachable server fails a connection attempt instead of blocking it.
        "connect_timeout": settings.DB_CONNECT_TIMEOUT_SECONDS,
        **{k: v for k, v in options.items() if isinstance(v, str | int)},
    }
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def _dumps(value) -> str:
    return orjson.dumps(value).decode()


async def _configure(conn: AsyncConnection) -> None:
    # Same time zone as Django's connections; JSON through orjson both ways.
    set_json_loads(orjson.loads, conn)
    set_json_dumps(_dumps, conn)
    await conn.execute("SET TIME ZONE 'UTC'")


async def get_pool() -> AsyncConnectionPool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = AsyncConnectionPool(
            _conninfo(),
            min_size=settings.DB_ASYNC_POOL_MIN,
            max_size=settings.DB_ASYNC_POOL_MAX,
            timeout=settings.DB_ASYNC_POOL_TIMEOUT_SECONDS,
            kwargs={"autocommit": True},
            configure=_configure,
            # A connection found broken when it comes back is dropped, never handed out again.
            check=None,
            open=False,
            name="gamebuddies-async",
        )
        _pools[loop] = pool
        await pool.open(wait=False)
    return pool


class DatabaseUnavailable(PoolTimeout):
    """PostgreSQL failed moments ago and the pool has nothing idle: refused without waiting.

    A PoolTimeout (no connection was handed out), so a caller answers 503 and nothing re-runs."""


_connect_errors_seen: dict[int, int] = {}


def refuse_while_down(pool) -> None:
    """The breaker (gamebuddies/outages.py): raise DatabaseUnavailable while PostgreSQL is known down."""
    # `down` first: the hot path pays one attribute read, not the pool's stats.
    if outages.database.down and outages.database_breaker_open(pool.get_stats().get("pool_available", 0)):
        raise DatabaseUnavailable("PostgreSQL failed moments ago; not waiting for a connection")


def checkout_failed(pool, exc: BaseException) -> None:
    """A request got no connection in time. The database is down if the pool's own connection
    attempts have been failing meanwhile; a pool that is merely busy (every connection in use,
    none failing) opens no breaker, that request just answered 503."""
    errors = pool.get_stats().get("connections_errors", 0)
    if errors > _connect_errors_seen.get(id(pool), 0):
        outages.database.failed(exc)
    _connect_errors_seen[id(pool)] = errors


def checkout_succeeded() -> None:
    outages.database.recovered()


def request_timeout() -> float:
    """How long a request waits for a pooled connection before its 503 (short: an unreachable
    server must not hold requests for the pool's whole timeout)."""
    return settings.DB_POOL_TIMEOUT_SECONDS


@asynccontextmanager
async def connection(pool: AsyncConnectionPool | None = None):
    """A connection of this loop's pool for one request: refused at once while PostgreSQL is
    known down, else waited for at most `request_timeout()`; a failure opens the breaker."""
    pool = pool or await get_pool()
    refuse_while_down(pool)
    try:
        conn = await pool.getconn(timeout=request_timeout())
    except PoolTimeout as exc:
        checkout_failed(pool, exc)
        raise
    checkout_succeeded()
    try:
        yield conn
    finally:
        await pool.putconn(conn)


async def fetch(sql: str, params: dict, *, many: bool = False):
    """One read statement on a pooled connection (a row, or all rows with `many`).

    A connection that turns out dead (its backend terminated while it sat in the pool) is
    dropped, the pool's idle connections are checked, and the read runs once more: nothing
    was written, so that is always safe. A pool timeout is not retried (the wait is spent).
    """
    pool = await get_pool()
    for attempt in (1, 2):
        try:
            async with connection(pool) as conn:
                cursor = await conn.execute(sql, params)
                return await (cursor.fetchall() if many else cursor.fetchone())
        except PoolTimeout:
            raise
        except (psycopg.OperationalError, psycopg.InterfaceError):
            if attempt == 2:
                raise
            await pool.check()


async def run_orm(function, /, *args, **kwargs):
    """Run synchronous ORM code from the event loop in a worker thread, and give its
    connection back afterwards (a bare thread would keep it checked out of the pool)."""

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return await sync_to_async(call, thread_sensitive=False)()


async def close_pools() -> None:
    """Tests and shutdown: close this loop's pool (others belong to loops that are gone)."""
    loop = asyncio.get_running_loop()
    pool = _pools.pop(loop, None)
    if pool is not None:
        await pool.close()
    for other in [lp for lp in _pools if lp.is_closed()]:
        _pools.pop(other, None)
