"""Symmetric encryption for values the server must read back (Fernet: AES-CBC + HMAC).

Keys are derived from SECRET_KEY, one per purpose (so a value encrypted for one use can
never be decrypted as another), and SECRET_KEY_FALLBACKS still decrypt: rotating the
secret key does not make what was encrypted under the old one unreadable. Explicit
keys (a list of Fernet keys, the first encrypting) replace the derived ones.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def derived_key(purpose: str, secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{secret}".encode()).digest())


def fernet_for(purpose: str, *, explicit_keys=()) -> MultiFernet:
    """The MultiFernet for one purpose: explicit keys if given, else keys derived from
    SECRET_KEY (encrypting) and SECRET_KEY_FALLBACKS (decrypting only)."""
    keys = list(explicit_keys) or [
        derived_key(purpose, secret)
        for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    ]
    return MultiFernet([Fernet(key) for key in keys])
