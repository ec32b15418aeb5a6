"""Session tokens: random, shown once, stored as SHA-256 only."""

import hashlib
import hmac
import secrets

SESSION_TOKEN_PREFIX = "gbs_"  # noqa: S105 - a prefix, not a secret


def new_session_token() -> str:
    return SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hashes_match(stored_hash: str, token: str) -> bool:
    return hmac.compare_digest(stored_hash, hash_token(token))
