"""`python manage.py prune_api_requests [--older-than-days 30]`: delete old request-log rows (for cron)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from gameapi.retention import API_REQUEST_BATCH, prune_api_requests


class Command(BaseCommand):
    help = "Delete Game API request-log rows older than API_REQUEST_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=None, help="Default: API_REQUEST_RETENTION_DAYS.")
        parser.add_argument("--batch-size", type=int, default=API_REQUEST_BATCH)

    def handle(self, *args, older_than_days, batch_size, **options):
        days = settings.API_REQUEST_RETENTION_DAYS if older_than_days is None else older_than_days
        deleted = prune_api_requests(older_than_days=days, batch_size=batch_size)
        self.stdout.write(f"Deleted {deleted} API request row(s) older than {days} day(s).")
