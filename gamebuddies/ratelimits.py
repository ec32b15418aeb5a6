"""Rate limits on the shared cache (Redis in production), usable from views, APIs and sockets.

Built on django-ratelimit's `get_usage`, so every worker process counts in the same
Redis keys. Keys are explicit values (a client IP, an API key id), never guessed
from a request by the library, so the same limit works for a WebSocket scope.
"""

from __future__ import annotations

import ipaddress
from contextlib import contextmanager

from django.conf import settings
from django_ratelimit.core import get_usage

from gamebuddies import metrics
from gamebuddies.errors import RateLimitedError

CODE_GUESS_GROUP = "room-code-guess"


class _Subject:
    """What get_usage needs of a request when the key is given explicitly."""

    method = "GET"


def _usage(*, group: str, value: str, rate: str, increment: bool) -> dict | None:
    return get_usage(_Subject(), group=group, key=lambda _g, _r: value, rate=rate, increment=increment)


def hit(*, group: str, value: str, rate: str) -> None:
    """Count one use; raise RateLimitedError (with Retry-After) past the rate."""
    usage = _usage(group=group, value=value, rate=rate, increment=True)
    if usage and usage["should_limit"]:
        metrics.rate_limited.labels(group.removeprefix("gameapi:")).inc()
        raise RateLimitedError(retry_after=max(usage["time_left"], 1))


def check(*, group: str, value: str, rate: str) -> None:
    """Refuse if the rate is already used up, without counting this call."""
    usage = _usage(group=group, value=value, rate=rate, increment=False)
    if usage and usage["count"] >= usage["limit"]:
        metrics.rate_limited.labels(group.removeprefix("gameapi:")).inc()
        raise RateLimitedError(retry_after=max(usage["time_left"], 1))


def _clean_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return "unknown"


def client_ip_from_meta(meta: dict) -> str:
    """The client address: REMOTE_ADDR, or the configured proxy header's client hop.

    Only a header named in TRUSTED_PROXY_IP_HEADER is believed (anyone can send
    X-Forwarded-For); with one trusted proxy, its last entry is what that proxy saw.
    """
    header = settings.TRUSTED_PROXY_IP_HEADER
    if header and meta.get(header):
        return _clean_ip(meta[header].split(",")[-1])
    return _clean_ip(meta.get("REMOTE_ADDR", ""))


def client_ip(request) -> str:
    return client_ip_from_meta(request.META)


def client_ip_from_scope(scope) -> str:
    meta = {"REMOTE_ADDR": (scope.get("client") or ("", 0))[0]}
    header = settings.TRUSTED_PROXY_IP_HEADER
    if header.startswith("HTTP_"):
        wanted = header[5:].lower().replace("_", "-").encode("latin-1")
        for name, value in scope.get("headers", []):
            if name == wanted:
                meta[header] = value.decode("latin-1")
    return client_ip_from_meta(meta)


def code_guessing_check(*, ip: str) -> None:
    """Before any room-code lookup: refuse clients that already tried too many unknown codes."""
    check(group=CODE_GUESS_GROUP, value=ip, rate=settings.ROOM_CODE_GUESS_RATE)


@contextmanager
def code_lookup_guard(*, ip: str):
    """Wrap any room lookup by code (page, socket, API): refuse a client already over the
    guessing limit, and count the lookup if the code turns out unknown."""
    from gamebuddies.errors import RoomNotFoundError

    code_guessing_check(ip=ip)
    try:
        yield
    except RoomNotFoundError:
        code_guessing_record_miss(ip=ip)
        raise


def code_guessing_record_miss(*, ip: str) -> None:
    """After a lookup of an unknown code: count it (and refuse this one too past the limit)."""
    hit(group=CODE_GUESS_GROUP, value=ip, rate=settings.ROOM_CODE_GUESS_RATE)
