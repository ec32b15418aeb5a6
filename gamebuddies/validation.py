"""Checks shared by every service that stores client-supplied JSON."""

from __future__ import annotations

from gamebuddies.errors import ValidationError

MAX_DEPTH = 32


def _storable_text(text: str) -> bool:
    # PostgreSQL's jsonb cannot hold U+0000, and lone UTF-16 surrogates are not text at all.
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ensure_storable_json(value, *, field: str, depth: int = 0) -> None:
    """Refuse JSON the database cannot store faithfully: NUL characters, lone surrogates,
    non-finite numbers, absurd nesting. Raises ValidationError naming the field."""
    if depth > MAX_DEPTH:
        raise ValidationError(f"{field} is nested too deeply", field=field)
    if isinstance(value, str):
        if not _storable_text(value):
            raise ValidationError(
                f"{field} contains characters that cannot be stored (NUL or broken Unicode)", field=field
            )
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(f"{field} contains a number that is not finite", field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _storable_text(key):
                raise ValidationError(f"{field} has a key that cannot be stored", field=field)
            ensure_storable_json(item, field=field, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            ensure_storable_json(item, field=field, depth=depth + 1)
