"""`python manage.py run_worker`: the one background process of GameBuddies.

It runs the django-tasks database worker (webhook deliveries and other deferred work)
and, beside it, the housekeeping sweep (host migration after the grace period,
presence timeouts, abandoned rooms). Run one or more per deployment; every action
takes the room lock, so several workers never double-apply a change.
"""

import os
import socket
import threading

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from rooms.services.housekeeping import run_forever


class Command(BaseCommand):
    help = "Run the background worker: queued tasks plus the room housekeeping sweep."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between task queue polls.")
        parser.add_argument("--sweep-interval", type=float, default=5.0, help="Seconds between housekeeping sweeps.")
        parser.add_argument("--no-sweep", action="store_true", help="Only run queued tasks.")
        parser.add_argument("--batch", action="store_true", help="Run queued tasks until none are left, then exit.")

    def handle(self, *args, interval, sweep_interval, no_sweep, batch, **options):
        if not no_sweep and not batch:
            threading.Thread(
                target=run_forever, kwargs={"interval": sweep_interval}, name="housekeeping", daemon=True
            ).start()
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
        self.stdout.write("GameBuddies worker running (tasks%s)." % ("" if no_sweep or batch else " + housekeeping"))
        worker.run()
