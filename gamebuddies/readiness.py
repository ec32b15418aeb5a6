"""Readiness: can this process serve writes right now?

`/healthz` is liveness (no I/O: the process answers). `/readyz` and the Game API's
`/api/v2/health` ask this module: PostgreSQL answers `SELECT 1` and, when REDIS_URL is
set, Redis answers PING, each within CHECK_TIMEOUT_SECONDS. A load balancer that polls
`/readyz` stops sending traffic to a worker whose database or Redis is away and sends it
again as soon as they answer; nothing here is cached, so recovery needs no restart.

Each check runs on a small thread pool with a deadline, so a hung server (no answer, no
error) reports "down" on time; while one check of a kind is still stuck, the next probe
reports "down" without starting another.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from time import monotonic

from django.conf import settings

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
OK, DOWN = "ok", "down"

_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")
_running: dict[str, Future] = {}
_lock = threading.Lock()


def check_database() -> None:
    """SELECT 1 on a connection from the pool (PostgreSQL) or the default connection (SQLite).

    The pool's idle connections are tested first (dropping any whose backend is gone), so a
    connection that died while idle is not mistaken for a database that is down, and the
    probe keeps the pool fresh as a side effect.
    """
    from django.db import connection

    pool = getattr(connection, "pool", None)
    if pool is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        connection.close()
        return
    pool.open()  # Django opens its pool lazily
    pool.check()
    with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
        conn.execute("SELECT 1")


def check_cache() -> None:
    """PING on a fresh connection with short timeouts (not the cache's pool: a true answer)."""
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


def _checks() -> dict:
    checks = {"database": check_database}
    if settings.REDIS_URL:
        checks["cache"] = check_cache
    return checks


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, {"database": "ok"|"down", "cache": "ok"|"down"}); "cache" only with Redis configured."""
    futures: dict[str, Future | None] = {}
    with _lock:
        for name, check in _checks().items():
            previous = _running.get(name)
            if previous is not None and not previous.done():
                futures[name] = None  # still stuck from an earlier probe
            else:
                futures[name] = _running[name] = _executor.submit(check)
    deadline = monotonic() + CHECK_TIMEOUT_SECONDS
    results = {}
    for name, future in futures.items():
        results[name] = _outcome(name, future, deadline)
    return all(value == OK for value in results.values()), results


def _outcome(name: str, future: Future | None, deadline: float) -> str:
    if future is None:
        return DOWN
    try:
        future.result(timeout=max(0.0, deadline - monotonic()))
    except FutureTimeout:
        logger.warning("readiness: %s did not answer within %.0f s", name, CHECK_TIMEOUT_SECONDS)
        return DOWN
    except Exception as exc:
        logger.warning("readiness: %s is down (%s)", name, exc.__class__.__name__)
        return DOWN
    return OK
