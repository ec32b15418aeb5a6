"""`manage.py create_api_key --service NAME [--scopes a,b] [--game SLUG] [--expires-days N]`.

Prints what the key can do, then the raw key as the very last line: it is shown this
once and stored only as a hash.
"""

from django.core.management.base import BaseCommand, CommandError

from gameapi.models import ALL_SCOPES
from gameapi.services import api_key_create
from gamebuddies.errors import GameBuddiesError, GameNotFoundError


def parse_scopes(value: str) -> list[str]:
    return [scope.strip() for scope in value.split(",") if scope.strip()]


def not_in_catalog(slug: str) -> str:
    """What to do when --game names no catalog game: register it first (docs/integration.md, step 1)."""
    return (
        f"No game {slug} in the catalog. Register it first, then run this again:\n"
        f"  .venv/bin/python manage.py create_game {slug} --name \"My Game\" --launch-url https://my-game.example/play\n"
        "(see .venv/bin/python manage.py create_game --help), or leave out --game for a key that may touch any game."
    )


class Command(BaseCommand):
    help = "Create a Game API key; the raw key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("--service", required=True, help="Name of the game server using the key")
        parser.add_argument(
            "--scopes",
            default=",".join(ALL_SCOPES),
            help=f"Comma-separated scopes (default: all of {', '.join(ALL_SCOPES)})",
        )
        parser.add_argument("--game", default=None, help="Bind the key to one game's rooms (catalog slug)")
        parser.add_argument("--expires-days", type=int, default=None, help="Lifetime in days (default 365)")

    def handle(self, *args, **options):
        try:
            issued = api_key_create(
                service_name=options["service"],
                scopes=parse_scopes(options["scopes"]),
                game_slug=options["game"],
                expires_days=options["expires_days"],
            )
        except GameNotFoundError:
            raise CommandError(not_in_catalog(options["game"])) from None
        except GameBuddiesError as exc:
            raise CommandError(exc.message) from None
        key = issued.api_key
        self.stdout.write(f"API key {key.key_prefix}… for {key.service_name}")
        self.stdout.write(f"  scopes:  {', '.join(key.scopes) or '(none)'}")
        self.stdout.write(f"  game:    {key.game_id or '(any)'}")
        self.stdout.write(f"  expires: {key.expires_at.isoformat()}")
        self.stdout.write("Store it now; it cannot be shown again:")
        self.stdout.write(issued.raw_key)
