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

import orjson
import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from psycopg import AsyncConnection
from psycopg.conninfo import make_conninfo
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout

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


async def fetch(sql: str, params: dict, *, many: bool = False):
    """One read statement on a pooled connection (a row, or all rows with `many`).

    A connection that turns out dead (its backend terminated while it sat in the pool) is
    dropped, the pool's idle connections are checked, and the read runs once more: nothing
    was written, so that is always safe. A pool timeout is not retried (the wait is spent).
    """
    pool = await get_pool()
    for attempt in (1, 2):
        try:
            async with pool.connection() as conn:
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
