"""Validation of a game's settings against the small schema its catalog entry declares."""

from __future__ import annotations

import json

from gamebuddies.errors import ValidationError
from gamebuddies.limits import MAX_GAME_SETTINGS_BYTES, MAX_GAME_SETTINGS_SCHEMA_ENTRIES
from gamebuddies.validation import ensure_storable_json

from .models import Game


def validate_game_settings(game: Game, raw: object) -> dict:
    """Known keys only, right types and ranges; missing keys take their defaults."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError("Settings must be an object", field="settings")
    if len(json.dumps(raw)) > MAX_GAME_SETTINGS_BYTES:
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


# -- the schema itself (catalog entries: create_game, the admin, load_demo_data) ----------
SETTING_TYPES = {
    # type: keys a setting of that type may have besides type, default and label
    "int": {"min", "max"},
    "bool": set(),
    "choice": {"choices"},
    "str": {"max_length"},
}


def validate_settings_schema(schema: object) -> dict:
    """A catalog entry's settings schema: what the lobby can render and validate_game_settings check.

    `{name: {"type": "int"|"bool"|"choice"|"str", "default": ..., "label": "Shown name", ...}}`:
    int takes `min`/`max`, choice a non-empty list of text `choices`, str a `max_length`
    (default 100). Every default must itself be a valid value, so a room can start with none given.
    """
    if schema is None:
        return {}
    if not isinstance(schema, dict):
        raise ValidationError("The settings schema must be an object of settings", field="settingsSchema")
    if len(schema) > MAX_GAME_SETTINGS_SCHEMA_ENTRIES:
        raise ValidationError(f"At most {MAX_GAME_SETTINGS_SCHEMA_ENTRIES} settings", field="settingsSchema")
    for key, spec in schema.items():
        field = f"settingsSchema.{key}"
        if not isinstance(key, str) or not key.isidentifier():
            raise ValidationError("Setting names are letters, digits and _ (e.g. rounds)", field=field)
        if not isinstance(spec, dict) or spec.get("type") not in SETTING_TYPES:
            raise ValidationError(f"type must be one of {', '.join(SETTING_TYPES)}", field=f"{field}.type")
        kind = spec["type"]
        unknown = sorted(set(spec) - {"type", "default", "label"} - SETTING_TYPES[kind])
        if unknown:
            raise ValidationError(f"A {kind} setting has no {unknown[0]}", field=f"{field}.{unknown[0]}")
        if "label" in spec and not (isinstance(spec["label"], str) and 0 < len(spec["label"]) <= 40):
            raise ValidationError("label must be text of 1-40 characters", field=f"{field}.label")
        _check_type_options(field, kind, spec)
        if "default" not in spec:
            raise ValidationError("Every setting needs a default", field=f"{field}.default")
        try:
            _check(key, spec, spec["default"])
        except ValidationError as exc:
            raise ValidationError(f"default: {exc.message}", field=f"{field}.default") from None
    return schema


def _check_type_options(field: str, kind: str, spec: dict) -> None:
    if kind == "int":
        for bound in ("min", "max"):
            if bound in spec and (isinstance(spec[bound], bool) or not isinstance(spec[bound], int)):
                raise ValidationError(f"{bound} must be a whole number", field=f"{field}.{bound}")
        if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            raise ValidationError("min must not be above max", field=f"{field}.min")
    elif kind == "choice":
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices):
            raise ValidationError("choices must be a non-empty list of text", field=f"{field}.choices")
    elif kind == "str" and "max_length" in spec:
        size = spec["max_length"]
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 500:
            raise ValidationError("max_length must be a whole number from 1 to 500", field=f"{field}.max_length")
