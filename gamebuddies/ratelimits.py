"""Rate limits on the shared cache (Redis in production), usable from views, APIs and sockets.

Built on django-ratelimit's `get_usage`, so every worker process counts in the same
Redis keys. Keys are explicit values (a client IP, an API key id), never guessed
from a request by the library, so the same limit works for a WebSocket scope.

The in-process token buckets at the end (a socket's message budget, a seat's chat lines) are
checked before any database or Redis work, so a flood costs the server almost nothing.

While Redis is away, every limit keeps working on a per-process counter with the same
fixed windows (so a client gets at most the limit per process until Redis is back);
the switch is logged once per outage and each fallback decision is counted in
gamebuddies_fallback_limiter_total.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections import OrderedDict
from contextlib import contextmanager
from http.cookies import SimpleCookie

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django_ratelimit import core as ratelimit_core
from django_ratelimit.core import get_usage

from gamebuddies import metrics
from gamebuddies.errors import RateLimitedError
from gamebuddies.outages import REDIS_ERRORS, Outage

CODE_GUESS_GROUP = "room-code-guess"  # the Game API's (and its lean path's): per client IP
# The pages' and socket's (issue 22 #4: one party shares an IP): per browser, and a higher per-IP backstop.
CODE_GUESS_BROWSER_GROUP = "room-code-guess-browser"
CODE_GUESS_IP_GROUP = "room-code-guess-ip"
NO_COOKIE = "no-cookie"


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


# -- page and socket code lookups: per browser, with a per-IP backstop -----------------
def browser_id(csrf_cookie: str | None) -> str:
    """Which browser asks, for the guessing limit: its CSRF cookie (every browser that used a
    form holds one), hashed. Clients without one share one bucket per IP, so a cookie-less
    script is cut off as before; a script inventing cookies meets the per-IP backstop."""
    if not csrf_cookie:
        return NO_COOKIE
    return hashlib.sha256(csrf_cookie.encode("utf-8", "replace")).hexdigest()[:24]


def browser_id_from_request(request) -> str:
    """The browser's id. A request without the CSRF cookie counts under NO_COOKIE *and* under
    the cookie this response hands out ("a+b": both buckets), so a client that keeps its
    cookies is one bucket from its first request on."""
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if cookie:
        return browser_id(cookie)
    from django.middleware.csrf import get_token

    get_token(request)  # the cookie this response will set: its value is META["CSRF_COOKIE"]
    return f"{NO_COOKIE}+{browser_id(request.META.get('CSRF_COOKIE'))}"


def browser_id_from_scope(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return NO_COOKIE
            morsel = jar.get(settings.CSRF_COOKIE_NAME)
            return browser_id(morsel.value if morsel else None)
    return NO_COOKIE


@contextmanager
def browser_code_lookup_guard(*, ip: str, browser: str):
    """Like code_lookup_guard, for a visitor's browser (pages, lobby socket).

    One browser gets ROOM_CODE_GUESS_RATE unknown codes (20/min), its IP as a whole the higher
    ROOM_CODE_GUESS_IP_RATE, so one guest mistyping codes does not lock out the party on the
    same Wi-Fi. Past either, every lookup answers 429, known code or not (no oracle).
    """
    from gamebuddies.errors import RoomNotFoundError

    buckets = [
        {"group": CODE_GUESS_BROWSER_GROUP, "value": f"{ip}|{one}", "rate": settings.ROOM_CODE_GUESS_RATE}
        for one in browser.split("+")
    ]
    buckets.append({"group": CODE_GUESS_IP_GROUP, "value": ip, "rate": settings.ROOM_CODE_GUESS_IP_RATE})
    for bucket in buckets:
        check(**bucket)
    try:
        yield
    except RoomNotFoundError:
        refusals = []
        for bucket in buckets:
            try:
                hit(**bucket)
            except RateLimitedError as exc:
                refusals.append(exc)
        if refusals:
            raise max(refusals, key=lambda e: e.retry_after) from None
        raise


# -- room socket connects (issue 18 #4) ---------------------------------------------------
def socket_connect_from_ip(*, ip: str) -> None:
    """Count a socket handshake from this IP; RateLimitedError past WS_CONNECT_RATE_PER_IP."""
    hit(group="ws-connect-ip", value=ip, rate=settings.WS_CONNECT_RATE_PER_IP)


def socket_connect_for_seat(*, room_id, player_id) -> None:
    """Count a socket seating this player; RateLimitedError past WS_CONNECT_RATE_PER_SEAT."""
    hit(group="ws-connect-seat", value=f"{room_id}:{player_id}", rate=settings.WS_CONNECT_RATE_PER_SEAT)


# -- in-process token buckets ---------------------------------------------------------------
class TokenBucket:
    """`capacity` tokens refilled at `rate` per second; one per message. Per socket, in memory."""

    __slots__ = ("rate", "capacity", "tokens", "stamp")

    def __init__(self, rate: float, capacity: float):
        self.rate, self.capacity, self.tokens, self.stamp = rate, capacity, capacity, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class TokenBuckets:
    """One TokenBucket per key (a seat, shared by its sockets in this process), the least
    recently used dropped past `max_keys` so memory stays bounded."""

    def __init__(self, *, max_keys: int):
        self.max_keys = max_keys
        self._buckets: OrderedDict[object, TokenBucket] = OrderedDict()

    def take(self, key, *, rate: float, capacity: float) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, capacity)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take()

    def clear(self) -> None:
        self._buckets.clear()
