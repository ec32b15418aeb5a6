"""`python manage.py run_worker`: the one background process of GameBuddies.

It runs the django-tasks database worker (webhook deliveries and other deferred work)
and, beside it, two sweeps on threads of their own: housekeeping every few seconds
(host migration after the grace period, presence timeouts, abandoned rooms) and
retention every hour (ended rooms past ROOM_RETENTION_DAYS, expired sessions, API
request-log rows past API_REQUEST_RETENTION_DAYS). Run one or more per deployment:
every housekeeping action takes the room lock, and retention batches are claimed with
SKIP LOCKED, so several workers never double-apply a change nor wait on each other.

The loops live in rooms/background.py. Without REDIS_URL (EMBEDDED_WORKER) the server
process runs them itself, and this command leaves the housekeeping sweep to it.
"""

import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from rooms.background import retention_sweep, start_sweeps, task_worker

__all__ = ["Command", "retention_sweep"]


class Command(BaseCommand):
    help = "Run the background worker: queued tasks plus the housekeeping and retention sweeps."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between task queue polls.")
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=settings.HOUSEKEEPING_INTERVAL_SECONDS,
            help="Seconds between housekeeping sweeps.",
        )
        parser.add_argument("--no-sweep", action="store_true", help="Only run queued tasks.")
        parser.add_argument(
            "--retention-interval",
            type=float,
            default=settings.RETENTION_INTERVAL_SECONDS,
            help="Seconds between retention sweeps.",
        )
        parser.add_argument("--no-retention", action="store_true", help="Leave retention to cron and the commands.")
        parser.add_argument("--batch", action="store_true", help="Run queued tasks until none are left, then exit.")

    def handle(self, *args, interval, sweep_interval, no_sweep, retention_interval, no_retention, batch, **options):
        if settings.EMBEDDED_WORKER and not no_sweep and not batch:
            # Presence lives in the server's local-memory cache: a sweep here would not see it.
            self.stderr.write("EMBEDDED_WORKER is on (no REDIS_URL): the server process sweeps, not this one.")
            no_sweep = True
        threads = start_sweeps(
            sweep_interval=sweep_interval,
            retention_interval=retention_interval,
            stop=threading.Event(),
            sweep=not no_sweep and not batch,
            retention=not no_retention and not batch,
        )
        worker = task_worker(interval=interval, batch=batch)
        worker.configure_signals()
        running = " + ".join(["tasks", *(thread.name for thread in threads)])
        self.stdout.write(f"GameBuddies worker running ({running}).")
        worker.run()
