"""The background loops: queued tasks (webhooks), the housekeeping sweep and retention.

They run in one of two places (docs/architecture.md, "Background work"):

- `manage.py run_worker`, a process of its own beside any number of servers, when the servers
  and the worker share PostgreSQL and Redis (presence in the Redis cache, broadcasts through
  the Redis channel layer);
- inside the server process (`EMBEDDED_WORKER`, the default without `REDIS_URL`): there the
  presence heartbeats live in the server's local-memory cache and the broadcasts go through
  its in-memory channel layer, both invisible to any other process. The ASGI entry starts the
  loops on daemon threads on its first request (`start_in_process`), after binding the
  broadcaster to the server's event loop, so what the sweep changes reaches the open pages.

Every loop survives its own failures (logged) and stops when the process exits.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from gameapi.retention import prune_api_requests

from .services.housekeeping import run_forever
from .services.retention import expire_sessions, prune_rooms

logger = logging.getLogger(__name__)

TASK_POLL_SECONDS = 0.5
_SHUTDOWN_WAIT_SECONDS = 2.0


def retention_sweep() -> dict[str, int]:
    return {
        "roomsDeleted": prune_rooms(),
        "sessionsExpired": expire_sessions(),
        "apiRequestsDeleted": prune_api_requests(),
    }


def repeat(job, *, interval: float, name: str, stop: threading.Event) -> None:
    """Run `job` now and then every `interval` seconds until `stop`; a failure is logged, not fatal."""
    while not stop.is_set():
        close_old_connections()
        try:
            result = job()
            if any(result.values()):
                logger.info("%s: %s", name, result)
        except Exception:
            logger.exception("%s failed", name)
        stop.wait(interval)


def task_worker(*, interval: float = TASK_POLL_SECONDS, batch: bool = False) -> Worker:
    """The django-tasks database worker for every queue (webhook deliveries, deferred work)."""
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=f"gb-{socket.gethostname()}-{os.getpid()}"[:64],
    )


def start_sweeps(
    *, sweep_interval: float, retention_interval: float, stop: threading.Event, sweep=True, retention=True
) -> list[threading.Thread]:
    """Start the housekeeping and retention loops on daemon threads of their own."""
    threads = []
    if sweep:
        threads.append(_daemon(run_forever, "housekeeping", interval=sweep_interval, stop=stop))
    if retention:
        threads.append(
            _daemon(repeat, "retention", retention_sweep, interval=retention_interval, name="retention", stop=stop)
        )
    return threads


def _daemon(target, thread_name: str, *args, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, kwargs=kwargs, name=thread_name, daemon=True)
    thread.start()
    return thread


def _run_tasks(worker: Worker, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            worker.run()  # returns once worker.running is cleared
        except Exception:
            logger.exception("task worker failed; starting it again")
            stop.wait(5)


# -- in the server process ------------------------------------------------------------
_started = False
_start_lock = threading.Lock()


def start_in_process() -> bool:
    """Run every loop on daemon threads of this process, once per process.

    Cheap after the first call (the ASGI entry calls it on every connection). True if this
    call started them.
    """
    global _started
    if _started:
        return False
    with _start_lock:
        if _started:
            return False
        _started = True
    from django.conf import settings

    stop = threading.Event()
    threads = start_sweeps(
        sweep_interval=settings.HOUSEKEEPING_INTERVAL_SECONDS,
        retention_interval=settings.RETENTION_INTERVAL_SECONDS,
        stop=stop,
    )
    worker = task_worker()
    threads.append(_daemon(_run_tasks, "task-worker", worker, stop))
    atexit.register(_stop, stop, worker, threads)
    logger.info("background loops (tasks + housekeeping + retention) running in the server process")
    return True


def _stop(stop: threading.Event, worker: Worker, threads: list[threading.Thread]) -> None:
    """At exit: let a running task or sweep finish its transaction, briefly."""
    stop.set()
    worker.running = False
    for thread in threads:
        thread.join(_SHUTDOWN_WAIT_SECONDS / len(threads))
