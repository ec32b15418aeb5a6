"""Where webhook attempts run, and how many at once per endpoint.

The worker runs one task at a time, so an attempt made on its thread holds every other
room's deliveries back for as long as the receiver takes. Attempts therefore run on a
small pool of sender threads per worker process (WEBHOOK_SENDER_THREADS); the task hands
them over and waits only briefly (WEBHOOK_DISPATCH_WAIT_SECONDS) before moving on.

Each endpoint may hold at most WEBHOOK_ENDPOINT_CONCURRENCY of those attempts at a time,
across every worker process (slots in the shared cache, expiring on their own if a
process dies), so one slow receiver cannot occupy the pool: its other rooms wait their
turn instead of taking threads from other endpoints.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


class Slot:
    """One of an endpoint's concurrent-attempt slots; `None` from `take` means all are busy."""

    def __init__(self, key: str | None, token: str, ttl: float):
        self.key, self.token, self.ttl = key, token, ttl

    @classmethod
    def take(cls, endpoint_id: int, *, ttl: float) -> Slot | None:
        token = uuid.uuid4().hex
        try:
            for index in range(max(1, settings.WEBHOOK_ENDPOINT_CONCURRENCY)):
                key = f"webhook-endpoint-slot:{endpoint_id}:{index}"
                if cache.add(key, token, ttl):
                    return cls(key, token, ttl)
        except Exception:  # the cache is away: deliver without the cap rather than not at all
            logger.warning("webhook endpoint slots unavailable; sending without the per-endpoint cap")
            return cls(None, token, ttl)
        return None

    def renew(self) -> None:
        if self.key:
            try:
                cache.touch(self.key, self.ttl)
            except Exception:
                logger.debug("webhook endpoint slot not renewed", exc_info=True)

    def release(self) -> None:
        if not self.key:
            return
        try:
            if cache.get(self.key) == self.token:
                cache.delete(self.key)
        except Exception:
            logger.debug("webhook endpoint slot not released; it expires on its own", exc_info=True)


class Job:
    """A drain handed to a runner. If the dispatcher stops waiting for it (`detach`), the job
    calls the given callback when it ends, so its room is looked at again right away."""

    def __init__(self):
        self.future: Future = Future()
        self._lock = threading.Lock()
        self._finished = False
        self._on_finish = None

    def detach(self, on_finish) -> bool:
        """Stop waiting; False if the job has already finished (then nothing will be called)."""
        with self._lock:
            if self._finished:
                return False
            self._on_finish = on_finish
            return True

    def finished(self) -> None:
        with self._lock:
            self._finished, callback = True, self._on_finish
        if callback is not None:
            try:
                callback()
            except Exception:
                logger.warning("could not reschedule webhook deliveries after a slow attempt", exc_info=True)


class InlineRunner:
    """Runs a drain in the calling thread (deliver_room's default: direct calls and tests)."""

    pooled = False

    def start(self, function, *args) -> Job:
        job = Job()
        try:
            job.future.set_result(function(*args))
        except Exception as exc:
            job.future.set_exception(exc)
        job.finished()
        return job


class PoolRunner:
    """Runs drains on a bounded pool of sender threads; `start` returns None when all are busy
    (the caller comes back shortly) rather than queueing work behind a slow receiver."""

    pooled = True

    def __init__(self, threads: int):
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook-sender")
        self._free = threading.BoundedSemaphore(threads)
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Drains started and not yet finished (for shutdown and tests)."""
        with self._lock:
            return self._in_flight

    def start(self, function, *args) -> Job | None:
        if not self._free.acquire(blocking=False):
            return None
        with self._lock:
            self._in_flight += 1
        job = Job()

        def run():
            close_old_connections()
            try:
                return function(*args)
            finally:
                job.finished()
                connection.close()  # this thread's connection goes back (to the pool, on PostgreSQL)
                with self._lock:
                    self._in_flight -= 1
                self._free.release()

        job.future = self._executor.submit(run)
        return job


_pool: PoolRunner | None = None
_pool_lock = threading.Lock()


def sender_pool() -> PoolRunner:
    """This process's pool of sender threads (made on first use: only the worker needs one)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = PoolRunner(max(1, settings.WEBHOOK_SENDER_THREADS))
        return _pool
