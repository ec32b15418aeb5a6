"""Rate limits on the shared cache (Redis in production), usable from views, APIs and sockets.

Built on django-ratelimit's `get_usage`, so every worker process counts in the same
Redis keys. Keys are explicit values (a client IP, an API key id), never guessed
from a request by the library, so the same limit works for a WebSocket scope.

While Redis is away, every limit keeps working on a per-process counter with the same
fixed windows (so a client gets at most the limit per process until Redis is back);
the switch is logged once per outage and each fallback decision is counted in
gamebuddies_fallback_limiter_total.
"""

from __future__ import annotations

import ipaddress
from contextlib import contextmanager

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django_ratelimit import core as ratelimit_core
from django_ratelimit.core import get_usage

from gamebuddies import metrics
from gamebuddies.errors import RateLimitedError
from gamebuddies.outages import REDIS_ERRORS, Outage

CODE_GUESS_GROUP = "room-code-guess"


class _Subject:
    """What get_usage needs of a request when the key is given explicitly."""

    method = "GET"


shared_limits = Outage("Shared rate limits (Redis)", "limits are counted per process until it is back")
_local_counts = LocMemCache("gamebuddies-fallback-limiter", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


def _usage(*, group: str, value: str, rate: str, increment: bool) -> dict | None:
    try:
        usage = get_usage(_Subject(), group=group, key=lambda _g, _r: value, rate=rate, increment=increment)
    except REDIS_ERRORS as exc:
        shared_limits.failed(exc)
        metrics.fallback_limiter.inc()
        return _local_usage(group=group, value=value, rate=rate, increment=increment)
    shared_limits.recovered()
    return usage


def _local_usage(*, group: str, value: str, rate: str, increment: bool) -> dict:
    """get_usage's answer, counted in this process: django-ratelimit's own rate parsing and
    fixed windows (and its clock), so a window means the same thing on both paths."""
    limit, period = ratelimit_core._split_rate(rate)
    window = ratelimit_core._get_window(value, period)
    key = f"{group}:{limit}/{period}:{value}:{window}"
    if not increment:
        count = _local_counts.get(key, 0)
    elif _local_counts.add(key, 1, period + ratelimit_core.EXPIRATION_FUDGE):
        count = 1
    else:
        try:
            count = _local_counts.incr(key)
        except ValueError:  # expired a moment ago: a new window
            _local_counts.set(key, 1, period + ratelimit_core.EXPIRATION_FUDGE)
            count = 1
    time_left = window - int(ratelimit_core.time.time())
    return {"count": count, "limit": limit, "should_limit": count > limit, "time_left": time_left}


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
