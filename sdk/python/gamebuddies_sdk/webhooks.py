"""Webhook signatures: `X-GameBuddies-Signature: t=<unix seconds>,v1=<hex>`.

v1 = hex(HMAC-SHA256(secret, f"{t}.{raw_body}")). Verify over the raw bytes you
received, before parsing the JSON: re-serialised JSON is not byte-identical.
The timestamp is part of what is signed, so a captured delivery cannot be replayed
after `tolerance` seconds. Several v1 entries may be present while a secret rotates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from .errors import WebhookVerificationError
from .models import WebhookEvent

SIGNATURE_HEADER = "X-GameBuddies-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def compute_signature(secret: str | bytes, timestamp: int, body: str | bytes) -> str:
    """The v1 signature hex for a body sent at `timestamp`."""
    message = str(int(timestamp)).encode("ascii") + b"." + _as_bytes(body)
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def sign_webhook(secret: str | bytes, body: str | bytes, timestamp: int | None = None) -> str:
    """The full header value for a delivery (what GameBuddies sends; handy in your own tests)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={compute_signature(secret, t, body)}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    getter = getattr(headers, "get", None)
    value = getter(name) if getter else None
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if str(key).lower() == wanted or str(key).upper() == f"HTTP_{name.upper().replace('-', '_')}":
            return candidate
    return None


def parse_signature_header(value: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, _, item = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(item)
            except ValueError:
                raise WebhookVerificationError("signature timestamp is not a number") from None
        elif key == "v1" and item:
            signatures.append(item.strip().lower())
    if timestamp is None or not signatures:
        raise WebhookVerificationError("signature header needs t=<unix> and v1=<hex>")
    return timestamp, signatures


def verify_webhook(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: str | bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> WebhookEvent:
    """Check a delivery and return its parsed event, or raise WebhookVerificationError.

    `headers` may be any mapping (case-insensitive lookup, Django's META works too);
    `body` must be the raw request body.
    """
    value = _header(headers, SIGNATURE_HEADER)
    if not value:
        raise WebhookVerificationError(f"missing {SIGNATURE_HEADER} header")
    timestamp, signatures = parse_signature_header(value)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("signature timestamp is outside the tolerance (replayed or clock skew)")
    expected = compute_signature(secret, timestamp, body)
    # Compare against every v1 entry without stopping early: constant time per entry.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise WebhookVerificationError("signature does not match the body")
    try:
        payload = json.loads(_as_bytes(body))
    except ValueError:
        raise WebhookVerificationError("body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookVerificationError("body is not a JSON object")
    return WebhookEvent.from_json(payload)
