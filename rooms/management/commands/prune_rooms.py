"""`python manage.py prune_rooms [--older-than-days 30]`: delete ended rooms past retention (for cron)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from rooms.services.retention import ROOM_BATCH, prune_rooms


class Command(BaseCommand):
    help = (
        "Delete finished and abandoned rooms older than ROOM_RETENTION_DAYS, with their events, history and sessions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=None, help="Default: ROOM_RETENTION_DAYS.")
        parser.add_argument("--batch-size", type=int, default=ROOM_BATCH)

    def handle(self, *args, older_than_days, batch_size, **options):
        days = settings.ROOM_RETENTION_DAYS if older_than_days is None else older_than_days
        deleted = prune_rooms(older_than_days=days, batch_size=batch_size)
        self.stdout.write(f"Deleted {deleted} room(s) that ended more than {days} day(s) ago.")
