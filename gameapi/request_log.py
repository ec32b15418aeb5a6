"""ApiRequest rows without a database write per request: buffered, written in batches.

Only requests made with a valid API key become rows. Requests without one (no key, a bad
key, unknown paths) are counted in `gamebuddies_api_unauthenticated_requests_total` by
status instead (issue 18 #5: 3,000 anonymous rows in 11 s), and limited per client IP
(gameapi/throttles.py).

`record()` only appends to an in-memory list. A daemon thread writes the list with
one bulk_create about once a second (or sooner when a batch fills up); `flush()` does
the same on demand (tests, shutdown). Rows never contain keys, tokens or query strings.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading

from django.db import connection
from django.utils import timezone
from prometheus_client import Counter

from gamebuddies.logging import redact

from . import conf
from .models import ApiRequest

logger = logging.getLogger(__name__)

MAX_PENDING = 10_000  # if the database is away, memory stays bounded: the oldest rows go

unauthenticated_requests = Counter(
    "gamebuddies_api_unauthenticated_requests_total",
    "Game API requests without a valid key (counted, not logged as rows), by status",
    ["status"],
)


class RequestLogBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[ApiRequest] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stopping = False
        self.dropped = 0

    def record(
        self,
        *,
        api_key_id,
        method: str,
        path: str,
        status_code: int,
        duration_ms: float,
        request_id,
        may_flush: bool = True,
    ) -> None:
        """Queue one row. `may_flush=False` on the event loop: a full batch waits for the thread."""
        if api_key_id is None:
            unauthenticated_requests.labels(str(status_code)).inc()
            return
        row = ApiRequest(
            api_key_id=api_key_id,
            method=method[:10],
            # request.path never has the query string; redact() guards against a key pasted into the path.
            path=redact(path)[:300],
            status_code=status_code,
            duration_ms=round(duration_ms, 3),
            request_id=(request_id or "")[:64],
            created_at=timezone.now(),
        )
        with self._lock:
            self._pending.append(row)
            if len(self._pending) > MAX_PENDING:
                overflow = len(self._pending) - MAX_PENDING
                del self._pending[:overflow]
                self.dropped += overflow
            full = len(self._pending) >= conf.request_log_batch_size()
        if conf.request_log_background():
            self._ensure_thread()
            if full:
                self._wake.set()
        elif full and may_flush:
            self.flush()

    def flush(self) -> int:
        """Write every pending row now; returns how many were written."""
        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return 0
        try:
            ApiRequest.objects.bulk_create(rows, batch_size=500)
        except Exception:
            # Losing log rows must never fail or slow a request; say how many went.
            logger.warning("dropped %d API request log rows", len(rows), exc_info=True)
            self.dropped += len(rows)
            return 0
        return len(rows)

    def discard(self) -> None:
        with self._lock:
            self._pending = []

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _ensure_thread(self) -> None:
        # After a fork (worker processes) the parent's thread does not exist in the child.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="api-request-log", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the flusher thread; rows still pending wait for flush()."""
        thread = self._thread
        self._stopping = True
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self._thread, self._stopping = None, False

    def _run(self) -> None:
        while True:
            self._wake.wait(conf.request_log_interval_seconds())
            self._wake.clear()
            if self._stopping or not conf.request_log_background():
                return
            try:
                self.flush()
            except Exception:
                logger.warning("API request log flush failed", exc_info=True)
            finally:
                # Give the connection back (to the pool on PostgreSQL) between batches.
                connection.close()


buffer = RequestLogBuffer()


def record(**fields) -> None:
    buffer.record(**fields)


def flush() -> int:
    return buffer.flush()


@atexit.register
def _flush_at_exit() -> None:
    # The interpreter is going away: write what we can, complain about nothing.
    with contextlib.suppress(Exception):
        buffer.flush()
