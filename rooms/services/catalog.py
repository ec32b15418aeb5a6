"""The game catalog: registering a game (manage.py create_game) with the same rules as the admin.

The launch URL's rule lives in rooms.models.validate_launch_url and the settings schema's in
rooms.game_settings.validate_settings_schema; this service applies both, with the model's own
field checks, and reports the first problem as a ValidationError naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from gamebuddies.errors import ValidationError

from ..game_settings import validate_settings_schema
from ..models import Game

# Model field -> the name the command line and the docs use for it.
FIELD_NAMES = {
    "slug": "slug",
    "name": "name",
    "launch_url": "launchUrl",
    "min_players": "minPlayers",
    "max_players": "maxPlayers",
    "description": "description",
    "settings_schema": "settingsSchema",
}


@dataclass(frozen=True)
class GameSaved:
    game: Game
    created: bool


@transaction.atomic
def game_create(
    *,
    slug: str,
    name: str,
    launch_url: str,
    min_players: int = 1,
    max_players: int = 8,
    description: str = "",
    settings_schema: dict | None = None,
    is_active: bool = True,
    update: bool = False,
) -> GameSaved:
    """Add a game to the catalog; with `update`, an existing entry of that slug is replaced."""
    schema = validate_settings_schema(settings_schema)
    existing = Game.objects.select_for_update().filter(slug=slug).first()
    if existing is not None and not update:
        raise ValidationError(f"A game {slug} is already in the catalog (pass --update to change it)", field="slug")
    game = existing or Game(slug=slug)
    game.name, game.launch_url, game.description = name, launch_url, description
    game.min_players, game.max_players = min_players, max_players
    game.settings_schema, game.is_active = schema, is_active
    if min_players > max_players:
        raise ValidationError("minPlayers must not be above maxPlayers", field="minPlayers")
    try:
        game.full_clean(validate_unique=False)
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        name = FIELD_NAMES.get(field, field)
        raise ValidationError(f"{name}: {' '.join(messages)}", field=name) from None
    game.save()
    return GameSaved(game=game, created=existing is None)


@transaction.atomic
def games_load(entries: list[dict]) -> int:
    """Add or replace each catalog entry (game_create's fields) by slug; how many were new.

    All or none: an entry the rules refuse rolls back the ones before it.
    """
    return sum(game_create(**entry, update=True).created for entry in entries)
