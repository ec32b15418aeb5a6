"""Validation of a game's settings against the small schema its catalog entry declares."""

from __future__ import annotations

import json

from gamebuddies.errors import ValidationError
from gamebuddies.validation import ensure_storable_json

from .models import Game

MAX_SETTINGS_BYTES = 4096


def validate_game_settings(game: Game, raw: object) -> dict:
    """Known keys only, right types and ranges; missing keys take their defaults."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError("Settings must be an object", field="settings")
    if len(json.dumps(raw)) > MAX_SETTINGS_BYTES:
        raise ValidationError("Settings are too large", field="settings")
    ensure_storable_json(raw, field="settings")
    schema: dict = game.settings_schema or {}
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        raise ValidationError(f"Unknown setting: {unknown[0]}", field=f"settings.{unknown[0]}")
    cleaned = {}
    for key, spec in schema.items():
        value = raw.get(key, spec.get("default"))
        cleaned[key] = _check(key, spec, value)
    return cleaned


def _check(key: str, spec: dict, value):
    field = f"settings.{key}"
    kind = spec.get("type", "str")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{key} must be a whole number", field=field)
        if "min" in spec and value < spec["min"] or "max" in spec and value > spec["max"]:
            raise ValidationError(f"{key} must be between {spec.get('min')} and {spec.get('max')}", field=field)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError(f"{key} must be true or false", field=field)
    elif kind == "choice":
        if value not in spec.get("choices", []):
            raise ValidationError(f"{key} must be one of {', '.join(map(str, spec.get('choices', [])))}", field=field)
    else:
        if not isinstance(value, str) or len(value) > spec.get("max_length", 100):
            raise ValidationError(f"{key} must be short text", field=field)
    return value
