"""Checks shared by every service that stores client-supplied JSON."""

from __future__ import annotations

import json
import re

from gamebuddies.errors import ValidationError

MAX_DEPTH = 32
# Nesting allowed in raw JSON text before it is parsed at all: above what any stored value
# may have (MAX_DEPTH, checked after parsing with the field's name) and far below where
# Python's recursive parser gives up with RecursionError (about 1,000 levels).
MAX_PARSE_DEPTH = 64
_JSON_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def json_nesting_exceeds(text: str, limit: int = MAX_PARSE_DEPTH) -> bool:
    """Does raw JSON text open more than `limit` arrays/objects inside each other?

    One linear scan over the brackets, quotes and backslashes only (brackets inside
    strings do not count), stopping as soon as the limit is passed: safe to run on any
    input before a recursive parser sees it.
    """
    depth, in_string, skip = 0, False, -1
    for match in _JSON_STRUCTURE.finditer(text):
        position, char = match.start(), match.group()
        if position == skip:
            continue
        if in_string:
            if char == "\\":
                skip = position + 1  # the escaped character, whatever it is
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def check_json_nesting(text: str, *, field: str = "body", limit: int = MAX_PARSE_DEPTH) -> None:
    """ValidationError (400 VALIDATION_ERROR) for JSON text nested deeper than `limit`, before parsing."""
    if json_nesting_exceeds(text, limit):
        raise ValidationError(f"{field} is nested too deeply (at most {limit} levels)", field=field)


def loads_json(text: str | bytes, *, field: str = "body", limit: int = MAX_PARSE_DEPTH):
    """json.loads behind the nesting check: too deep is a ValidationError, never a RecursionError.

    Malformed JSON still raises ValueError, as json.loads does.
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    check_json_nesting(text, field=field, limit=limit)
    return json.loads(text)


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
