"""Webhook signatures and secret storage.

Signature header: `X-GameBuddies-Signature: t=<unix>,v1=<hex>` where v1 is
HMAC-SHA256(secret, "<t>.<raw body>"). Signing the timestamp with the body lets a
receiver refuse replays of an old delivery. Secrets are kept encrypted (Fernet with a
key derived from SECRET_KEY, or WEBHOOK_ENCRYPTION_KEYS for rotation), because the
server must sign with the secret itself and so cannot store a hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings

from gamebuddies.crypto import fernet_for

SIGNATURE_HEADER = "X-GameBuddies-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
DEFAULT_TOLERANCE_SECONDS = 300


def new_webhook_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """The check a receiver runs: right secret, untouched body, recent timestamp."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature_header(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


def _fernet() -> MultiFernet:
    return fernet_for("webhook-secrets", explicit_keys=settings.WEBHOOK_ENCRYPTION_KEYS)


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("webhook secret cannot be decrypted with the configured keys") from exc
