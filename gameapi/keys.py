"""API key material: generated with a CSPRNG, stored only as SHA-256 plus a display prefix."""

from __future__ import annotations

import hashlib
import re
import secrets

KEY_PREFIX = "gb_"
KEY_PATTERN = re.compile(r"gb_[0-9a-f]{64}")
# "gb_" and eight hex digits: enough to recognise a key in a list, far too little to guess it.
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 8


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_hex(32)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def display_prefix(raw_key: str) -> str:
    return raw_key[:DISPLAY_PREFIX_LENGTH]


def is_well_formed(raw_key: object) -> bool:
    return isinstance(raw_key, str) and KEY_PATTERN.fullmatch(raw_key) is not None


def contains_key(text: str) -> bool:
    return KEY_PATTERN.search(text) is not None
