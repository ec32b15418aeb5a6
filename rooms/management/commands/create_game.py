"""`manage.py create_game SLUG --name NAME --launch-url URL [--min-players N] [--max-players N]
[--description TEXT] [--settings-schema JSON] [--inactive] [--update]`.

Lists a game in the catalog (docs/integration.md, step 1), checked like the admin form:
the launch URL rule (https://, a path on this site, or http:// on this machine while
developing) and the settings schema's types (int, bool, choice, str).
"""

from __future__ import annotations

import json
import shlex

from django.core.management.base import BaseCommand, CommandError

from gamebuddies.errors import GameBuddiesError
from rooms.services.catalog import game_create

EXAMPLE_SCHEMA = '{"rounds": {"type": "int", "min": 1, "max": 10, "default": 5, "label": "Rounds"}}'


class Command(BaseCommand):
    help = "Add a game to the catalog (or change it with --update), checked like the admin form."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The game's id in every API call, e.g. my-game (letters, digits, - and _)")
        parser.add_argument("--name", required=True, help="Shown in the lobby's game list")
        parser.add_argument(
            "--launch-url",
            required=True,
            help="Where players are sent: https://..., or a path on this site (/games/x/); "
            "http://127.0.0.1 or localhost only while developing",
        )
        parser.add_argument("--min-players", type=int, default=1, help="Fewest connected players to start (1)")
        parser.add_argument("--max-players", type=int, default=8, help="Most players in the game (8)")
        parser.add_argument("--description", default="", help="A sentence or two for the lobby")
        parser.add_argument(
            "--settings-schema",
            default="{}",
            help=f"JSON object of settings the host picks; types int, bool, choice, str. E.g. {EXAMPLE_SCHEMA}",
        )
        parser.add_argument("--inactive", action="store_true", help="Listed but not playable (rooms cannot pick it)")
        parser.add_argument("--update", action="store_true", help="Change the game if the slug exists already")

    def handle(self, *args, **options):
        try:
            schema = json.loads(options["settings_schema"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--settings-schema is not JSON ({exc.msg}); e.g. {EXAMPLE_SCHEMA}") from None
        try:
            saved = game_create(
                slug=options["slug"],
                name=options["name"],
                launch_url=options["launch_url"],
                min_players=options["min_players"],
                max_players=options["max_players"],
                description=options["description"],
                settings_schema=schema,
                is_active=not options["inactive"],
                update=options["update"],
            )
        except GameBuddiesError as exc:
            raise CommandError(exc.message) from None
        game = saved.game
        self.stdout.write(f"Game {game.slug} {'added to' if saved.created else 'updated in'} the catalog: {game.name}")
        self.stdout.write(f"  launch URL: {game.launch_url}")
        self.stdout.write(f"  players:    {game.min_players}-{game.max_players}")
        self.stdout.write(f"  settings:   {', '.join(game.settings_schema) or '(none)'}")
        self.stdout.write(f"  playable:   {'yes' if game.is_active else 'no (--inactive)'}")
        self.stdout.write("Next, a key for its server:")
        slug = shlex.quote(game.slug)
        self.stdout.write(f"  .venv/bin/python manage.py create_api_key --service {slug} --game {slug}")
