"""`manage.py rotate_api_key PREFIX [--grace-days 7]`: a new key with the same scopes, printed last.

The old key keeps working until the grace period ends, so the game server can switch
without downtime.
"""

from django.core.management.base import BaseCommand, CommandError

from gameapi.selectors import api_key_get_by_prefix
from gameapi.services import api_key_rotate
from gamebuddies.errors import GameBuddiesError


class Command(BaseCommand):
    help = "Rotate a Game API key; the new raw key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="The key's display prefix, e.g. gb_1a2b3c4d")
        parser.add_argument("--grace-days", type=int, default=None, help="Days the old key keeps working (default 7)")

    def handle(self, *args, **options):
        try:
            old = api_key_get_by_prefix(prefix=options["prefix"])
            issued = api_key_rotate(api_key=old, grace_days=options["grace_days"])
        except GameBuddiesError as exc:
            raise CommandError(exc.message)
        old.refresh_from_db()
        new = issued.api_key
        self.stdout.write(f"Rotated {old.key_prefix}… ({old.service_name})")
        self.stdout.write(f"  old key works until: {old.grace_until.isoformat()}")
        self.stdout.write(f"  new key {new.key_prefix}… expires: {new.expires_at.isoformat()}")
        self.stdout.write("Store it now; it cannot be shown again:")
        self.stdout.write(issued.raw_key)
