"""`manage.py load_demo_data`: the catalog games a fresh install shows in its lobby.

Idempotent: the catalog service replaces each game by slug (rooms.services.catalog.games_load,
the rules of manage.py create_game), so running it again (every `make run` does) restores the
demo entries without duplicating them and leaves rooms, players and any other catalog games alone.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from rooms.services.catalog import games_load

DEMO_GAMES: list[dict] = [
    {
        "slug": "quiz",
        "name": "Quick Quiz",
        "launch_url": "/games/quiz/",
        "min_players": 2,
        "max_players": 8,
        "description": (
            "A fast multiple-choice quiz for the whole room. Everyone answers the same question at once; "
            "quicker correct answers score more, and the scoreboard comes back to the lobby when the last "
            "round ends."
        ),
        "settings_schema": {"rounds": {"type": "int", "min": 1, "max": 10, "default": 3, "label": "Rounds"}},
        "is_active": True,
    },
    {
        "slug": "reaction",
        "name": "Reaction Race",
        "launch_url": "/games/reaction/",
        "min_players": 2,
        "max_players": 8,
        "description": (
            "Wait for the signal, then tap first. Tapping too early costs the round; the fastest player "
            "over all rounds wins."
        ),
        "settings_schema": {"rounds": {"type": "int", "min": 1, "max": 10, "default": 5, "label": "Rounds"}},
        "is_active": True,
    },
    {
        # Shows how an external game hosted elsewhere is listed; inactive, so rooms cannot pick it.
        "slug": "external-example",
        "name": "External Game (example)",
        "launch_url": "https://example.com/gamebuddies-demo/",
        "min_players": 1,
        "max_players": 16,
        "description": (
            "Example catalog entry for a game hosted on another site that talks to GameBuddies through "
            "the Game API. Inactive: it is here to copy, not to play."
        ),
        "settings_schema": {},
        "is_active": False,
    },
]


class Command(BaseCommand):
    help = "Create or refresh the demo catalog games (idempotent)."

    def handle(self, *args, **options):
        # The same service and checks as manage.py create_game, so a bad demo entry fails here.
        created_count = games_load(DEMO_GAMES)
        playable = [spec["name"] for spec in DEMO_GAMES if spec["is_active"]]
        examples = [spec["name"] for spec in DEMO_GAMES if not spec["is_active"]]
        line = f"Demo games: {len(playable)} playable ({', '.join(playable)})"
        if examples:
            line += f", {len(examples)} inactive catalog example ({', '.join(examples)})"
        self.stdout.write(f"{line}; {created_count} added, {len(DEMO_GAMES) - created_count} refreshed.")
