"""`python manage.py expire_sessions`: mark active player sessions past their expiry as expired (for cron)."""

from django.core.management.base import BaseCommand

from rooms.services.retention import SESSION_BATCH, expire_sessions


class Command(BaseCommand):
    help = "Mark active player sessions whose expiry has passed as expired."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=SESSION_BATCH)

    def handle(self, *args, batch_size, **options):
        self.stdout.write(f"Expired {expire_sessions(batch_size=batch_size)} session(s).")
