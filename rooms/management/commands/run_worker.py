"""`python manage.py run_worker`: the one background process of GameBuddies.

It runs the django-tasks database worker (webhook deliveries and other deferred work)
and, beside it, two sweeps on threads of their own: housekeeping every few seconds
(host migration after the grace period, presence timeouts, abandoned rooms) and
retention every hour (ended rooms past ROOM_RETENTION_DAYS, expired sessions, API
request-log rows past API_REQUEST_RETENTION_DAYS). Run one or more per deployment:
every housekeeping action takes the room lock, and retention batches are claimed with
SKIP LOCKED, so several workers never double-apply a change nor wait on each other.
"""

import logging
import os
import socket
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from gameapi.retention import prune_api_requests
from rooms.services.housekeeping import run_forever
from rooms.services.retention import expire_sessions, prune_rooms

logger = logging.getLogger(__name__)


def retention_sweep() -> dict[str, int]:
    return {
        "roomsDeleted": prune_rooms(),
        "sessionsExpired": expire_sessions(),
        "apiRequestsDeleted": prune_api_requests(),
    }


def repeat(job, *, interval: float, name: str) -> None:
    """Run `job` now and then every `interval` seconds, for ever; a failure is logged, not fatal."""
    while True:
        close_old_connections()
        try:
            result = job()
            if any(result.values()):
                logger.info("%s: %s", name, result)
        except Exception:
            logger.exception("%s failed", name)
        time.sleep(interval)


class Command(BaseCommand):
    help = "Run the background worker: queued tasks plus the housekeeping and retention sweeps."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between task queue polls.")
        parser.add_argument("--sweep-interval", type=float, default=5.0, help="Seconds between housekeeping sweeps.")
        parser.add_argument("--no-sweep", action="store_true", help="Only run queued tasks.")
        parser.add_argument(
            "--retention-interval", type=float, default=3600.0, help="Seconds between retention sweeps."
        )
        parser.add_argument("--no-retention", action="store_true", help="Leave retention to cron and the commands.")
        parser.add_argument("--batch", action="store_true", help="Run queued tasks until none are left, then exit.")

    def handle(self, *args, interval, sweep_interval, no_sweep, retention_interval, no_retention, batch, **options):
        sweeps = []
        if not no_sweep and not batch:
            threading.Thread(
                target=run_forever, kwargs={"interval": sweep_interval}, name="housekeeping", daemon=True
            ).start()
            sweeps.append("housekeeping")
        if not no_retention and not batch:
            threading.Thread(
                target=repeat,
                args=(retention_sweep,),
                kwargs={"interval": retention_interval, "name": "retention"},
                name="retention",
                daemon=True,
            ).start()
            sweeps.append("retention")
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=f"gb-{socket.gethostname()}-{os.getpid()}"[:64],
        )
        worker.configure_signals()
        running = " + ".join(["tasks", *sweeps])
        self.stdout.write(f"GameBuddies worker running ({running}).")
        worker.run()
