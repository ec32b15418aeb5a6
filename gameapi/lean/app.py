"""The hottest Game API routes, served on the event loop in front of Django (the lean path).

`POST /api/v2/rooms/{code}/players/{id}/status` and `.../heartbeat` carry most of the
traffic a running game sends. Served by Django, every such request runs on the one
thread a process has for synchronous views, with about eleven Redis commands and eight
PostgreSQL round trips one after another (docs/performance.md). Here the same request
costs two PostgreSQL round trips (rooms/services/fast_status.py), one Redis round trip
for every guard (gameapi/lean/guard.py) and one to release the idempotency slot, all
awaited on the server's loop, so a worker serves many requests at once.

The contract is the DRF views' (gameapi/views/players.py), which stay the reference and
serve everything this path does not take: the same serializers, error envelope and
codes, headers, idempotency records, rate-limit buckets, request log, services and
rules; tests/gameapi/test_lean_parity.py runs both and compares. The lean path is on with
PostgreSQL and Redis (GAMEAPI_LEAN_PATH); anything it is unsure of (a disallowed host, a
plain-HTTP request that Django would redirect) goes to Django untouched.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson
import psycopg
from csp.utils import build_policy
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from redis.exceptions import RedisError
from rest_framework.settings import api_settings

from gamebuddies import metrics, pg
from gamebuddies.errors import (
    ConstraintViolationError,
    GameBuddiesError,
    InvalidApiKeyError,
    PayloadTooLargeError,
    RateLimitedError,
    RoomNotFoundError,
    ServiceUnavailableError,
    ValidationError,
    from_drf_exception,
    utc_now_iso,
)
from gamebuddies.logging import bind, log_context
from gamebuddies.ratelimits import client_ip_from_scope
from rooms.services import fast_status

from .. import conf, idempotency, operations, presenters, request_log, throttles
from ..authentication import API_KEY_HEADER, actor_for, refuse_key_in_query, require_scope
from ..inputs import BulkStatus, GameEnd, Heartbeat, SessionValidate, StatusUpdate
from ..models import Scope
from ..services import api_key_touch, api_key_touch_due
from . import guard, keys

logger = logging.getLogger(__name__)

# Django's `str` and `uuid` path converters (gameapi/urls.py), so a path either route
# set would refuse goes to Django and gets Django's answer.
_ROOM = r"^/api/v2/rooms/(?P<code>[^/]+)"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PLAYER = _ROOM + r"/players/(?P<player_id>" + _UUID + ")"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")


@dataclass(frozen=True)
class _Route:
    """One lean route: its path (Django's `str` and `uuid` converters, so a path either route
    set would refuse goes to Django and gets Django's answer), scope, rate tier and body
    serializer; `subject` narrows the tier's bucket like GameApiView.rate_subject."""

    name: str
    pattern: re.Pattern
    scope: str
    tier: str
    serializer: type
    subject: str = ""  # "room" or "player": per key and room/player; "": per key


ROUTES = (
    _Route("status", re.compile(_PLAYER + r"/status$"), Scope.STATUS_WRITE, "status", StatusUpdate, "room"),
    _Route("heartbeat", re.compile(_PLAYER + r"/heartbeat$"), Scope.STATUS_WRITE, "heartbeat", Heartbeat, "player"),
    _Route("bulk", re.compile(_ROOM + r"/bulk-status$"), Scope.STATUS_WRITE, "bulk", BulkStatus),
    _Route("game_end", re.compile(_ROOM + r"/game-end$"), Scope.STATUS_WRITE, "write", GameEnd),
    _Route("session", re.compile(r"^/api/v2/sessions/validate$"), Scope.ROOMS_READ, "validation", SessionValidate),
)


def _route_for(path: str) -> tuple[_Route, re.Match] | None:
    if not path.startswith("/api/v2/"):
        return None
    for route in ROUTES:
        match = route.pattern.match(path)
        if match:
            return route, match
    return None


class LeanGameApi:
    """ASGI middleware: takes the lean routes, passes everything else to `app` (Django)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and settings.GAMEAPI_LEAN_PATH:
            found = _route_for(scope["path"])
            if found and _django_would_serve(scope):
                return await _serve(self.app, scope, receive, send, *found)
        return await self.app(scope, receive, send)


def _header(scope, name: bytes) -> str | None:
    value = None
    for key, raw in scope["headers"]:
        if key == name:
            value = raw.decode("latin-1")
    return value


def _is_secure(scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        name = proxy[0].removeprefix("HTTP_").lower().replace("_", "-").encode("latin-1")
        return _header(scope, name) == proxy[1]
    return False


def _django_would_serve(scope) -> bool:
    """False where Django would answer before the view (a host it refuses, an HTTPS redirect)."""
    host = _header(scope, b"host") or ""
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    return not (settings.SECURE_SSL_REDIRECT and not _is_secure(scope))


class _Response:
    def __init__(self, status: int, body: dict, headers: list[tuple[str, str]] | None = None):
        self.status = status
        self.content = orjson.dumps(body)
        self.content_type = "application/json"
        self.headers = headers or []


def _error(error: GameBuddiesError, request_id: str) -> _Response:
    headers = []
    if isinstance(error, RateLimitedError | ServiceUnavailableError):
        headers.append(("Retry-After", str(error.retry_after)))
    if error.status == 401:
        headers.append(("WWW-Authenticate", f'ApiKey header="{API_KEY_HEADER}"'))
    return _Response(error.status, error.envelope(request_id), headers)


async def _read_body(receive, declared: str | None) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    too_large = PayloadTooLargeError(f"Request body is larger than {limit} bytes")
    try:
        if limit is not None and int(declared or 0) > limit:
            raise too_large
    except ValueError:
        pass
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _parse(serializer_class, raw_body: bytes, content_type: str | None) -> dict:
    """What DRF's request.data and the view's `parse` give, through the configured JSON parser."""
    from rest_framework.exceptions import UnsupportedMediaType

    data: object = {}
    if raw_body:
        parser = api_settings.DEFAULT_PARSER_CLASSES[0]()
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type != parser.media_type:
            raise UnsupportedMediaType(content_type or "")
        data = parser.parse(io.BytesIO(raw_body), content_type, {})
    # One instance per serializer class: DRF deep-copies the declared fields for every new
    # instance (a tenth of this path's CPU), and run_validation keeps no state between calls.
    serializer = _serializers.get(serializer_class)
    if serializer is None:
        serializer = _serializers[serializer_class] = serializer_class()
    return serializer.run_validation(data)


_serializers: dict = {}


class _Request:
    """What one lean request knows about itself as it goes through the pipeline."""

    def __init__(self, scope, route: _Route, match: re.Match):
        self.scope = scope
        self.route = route
        self.path = scope["path"]
        groups = match.groupdict()
        self.room_code: str = groups.get("code") or ""
        self.player_id = uuid.UUID(groups["player_id"]) if groups.get("player_id") else None
        incoming = _header(scope, b"x-request-id") or ""
        self.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        self.client_ip = client_ip_from_scope(scope)
        self.api_key = None
        self.claim: guard.Claim | None = None
        self.snapshot_cache: tuple | None = None  # written with the claim's release
        self.publication = None  # a committed snapshot's broadcast, published with the claim's release

    @property
    def rate_subject(self) -> str:
        if self.route.subject == "room":
            return self.room_code.strip().upper()
        if self.route.subject == "player":
            return str(self.player_id)
        return ""


async def _serve(django, scope, receive, send, route: _Route, match: re.Match) -> None:
    started = time.perf_counter()
    request = _Request(scope, route, match)
    with log_context(request_id=request.request_id, room_code=request.room_code or None):
        try:
            response = await _respond(request, receive)
        except _HandOver as hand_over:
            return await django(scope, _replay(hand_over.body, receive), send)
        await _finish(request, response)
        await _send(send, response, request.request_id)
    _record(request, response, started)


async def _respond(request: _Request, receive) -> _Response:
    try:
        return await _handle(request, receive)
    except idempotency.Replay as replay:
        response = _Response(replay.response.status_code, {})
        response.content = replay.response.content
        response.content_type = replay.response.get("Content-Type", "application/json")
        response.headers.append((idempotency.REPLAYED_HEADER, "true"))
        return response
    except _HandOver:
        raise
    except GameBuddiesError as error:
        return _error(error, request.request_id)
    except psycopg.IntegrityError:
        # The database is the last guard (a constraint or trigger): a stable code, never a 500.
        return _error(ConstraintViolationError(), request.request_id)
    except psycopg.DataError:
        return _error(ValidationError("A value in the request cannot be stored"), request.request_id)
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        return _unavailable("database", exc, request)
    except (RedisError, OSError, TimeoutError) as exc:
        return _unavailable("cache", exc, request)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the DRF path's exception handler does the same
        return _error(from_drf_exception(exc), request.request_id)


async def _finish(request: _Request, response: _Response) -> None:
    """Free the dedup slot, or keep the answer for Idempotency-Key retries."""
    if request.claim is None:  # refused before admission: nothing was written, nothing to publish
        return
    try:
        await request.claim.finish(
            status=response.status,
            content_type=response.content_type,
            body=response.content,
            also_set=request.snapshot_cache,
            also_publish=request.publication,
        )
    except Exception:  # a lost record means a retry runs again; never fail the response
        logger.warning("idempotency record not saved", exc_info=True)


def _record(request: _Request, response: _Response, started: float) -> None:
    """The request log row and the HTTP metrics Django's middleware would have recorded."""
    seconds = time.perf_counter() - started
    api_key = request.api_key
    request_log.buffer.record(
        api_key_id=api_key.pk if api_key else None,
        method="POST",
        path=request.path,
        status_code=response.status,
        duration_ms=seconds * 1000,
        request_id=request.request_id,
        may_flush=False,
    )
    http = _http_metrics()
    http.requests_by_method.labels("POST").inc()
    http.responses_by_status.labels(str(response.status)).inc()
    http.requests_latency_by_view_method.labels(f"gameapi:lean-{request.route.name}", "POST").observe(seconds)


def _http_metrics():
    from django_prometheus.middleware import Metrics

    return Metrics.get_instance()


def _unavailable(cause: str, exc: BaseException, request: _Request) -> _Response:
    logger.warning("lean path: %s unavailable (%s)", cause, exc.__class__.__name__)
    metrics.unavailable.labels(cause).inc()
    error = ServiceUnavailableError(f"The {cause} is briefly unavailable; nothing was changed, please retry")
    return _error(error, request.request_id)


def _replay(body: bytes, receive):
    """An ASGI `receive` that hands Django the body this path already read, then the real
    channel (Django listens on it for the client going away while the view runs)."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _handle(request: _Request, receive) -> _Response:
    scope = request.scope
    raw_body = await _read_body(receive, _header(scope, b"content-length"))
    refuse_key_in_query(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    raw_key = (_header(scope, b"x-api-key") or "").strip()
    if not raw_key:
        raise InvalidApiKeyError(f"Missing {API_KEY_HEADER} header")
    api_key, digest = await keys.authenticate(raw_key)
    request.api_key = api_key
    bind(api_key_prefix=api_key.key_prefix)
    route = request.route
    require_scope(api_key, route.scope)
    try:
        admission = await _admit(request, raw_body, raw_key, api_key)
    except guard.RedisUnavailable:
        # Redis is away: Django's path, whose limiters fall back to this process, takes the request.
        # Key changes cannot bump generations meanwhile, so this process's key copies are
        # dropped: after the outage every key is read from PostgreSQL again (gameapi/key_cache.py).
        keys.forget_all()
        raise _HandOver(raw_body) from None
    request.claim = admission.claim
    api_key = request.api_key = await keys.confirm_generation(digest, api_key, admission.key_generation)
    require_scope(api_key, route.scope)
    if api_key_touch_due(api_key):
        _in_background(pg.run_orm(api_key_touch, api_key=api_key))
    data = _parse(route.serializer, raw_body, _header(scope, b"content-type"))
    actor = actor_for(api_key)
    if route.name == "session":  # no room code to look up
        return _Response(200, await _run_operation(request, operations.session_validate, data=data, actor=actor))
    admission.check_code_guessing()
    return await _code_lookup(request, _HANDLERS[route.name](request, api_key, data))


class _HandOver(Exception):  # noqa: N818 - control flow
    """Django serves this request after all (the body was already read: it is replayed)."""

    def __init__(self, body: bytes):
        super().__init__("hand over to Django")
        self.body = body


async def _admit(request: _Request, raw_body: bytes, raw_key: str, api_key):
    tier = request.route.tier
    subject = request.rate_subject
    return await guard.admit(
        method="POST",
        path=request.path,
        body=raw_body,
        api_key_id=api_key.pk,
        raw_api_key=raw_key,
        idempotency_header=_header(request.scope, b"idempotency-key"),
        tier_group=f"gameapi:{tier}",
        tier_value=f"{api_key.pk}:{subject}" if subject else str(api_key.pk),
        tier_rate=throttles.rate_for(api_key, tier),
        client_ip=request.client_ip,
        quota=throttles.writes_quota(tier),
    )


async def _code_lookup(request: _Request, coroutine):
    """`GameApiView.code_lookup`: an unknown code counts toward the client's guessing limit."""
    try:
        return await coroutine
    except RoomNotFoundError:
        await guard.record_code_miss(client_ip=request.client_ip)
        raise


async def _status(request: _Request, api_key, data: dict) -> _Response:
    timestamp = utc_now_iso()
    wait = data["waitForBroadcast"]

    def recorded_answer(version: int, member) -> dict:
        # A replay from the durable record follows a COMMIT whose outcome was unknown, so
        # nobody saw the broadcast through: it is not reported as made.
        answer = presenters.status_acknowledged(None, version, member, timestamp=timestamp)
        return {**answer, **({"broadcast": {"broadcasted": False}} if wait else {})}

    guard = request.claim.guard
    try:
        result = await fast_status.update_player_status(
            room_code=request.room_code,
            player_id=request.player_id,
            status=data["status"],
            location=data.get("location"),
            metadata=data.get("metadata"),
            expected_version=data.get("expectedVersion"),
            actor=actor_for(api_key),
            reason=f"api: {api_key.service_name}"[:200],
            record=idempotency.durable_write(guard, recorded_answer),
            # Not waiting for the broadcast: it goes out in the Redis round trip that ends the request.
            publish_with_caller=not wait,
        )
    except fast_status.AlreadyApplied as applied:
        idempotency.replay_applied(guard, applied)
    request.snapshot_cache, request.publication = result.snapshot_cache, result.publication
    body = presenters.status_acknowledged(result.event_id, result.version, result.member, timestamp=timestamp)
    if wait:
        body["broadcast"] = {"broadcasted": await result.ticket.wait_async(conf.BROADCAST_WAIT_SECONDS)}
    return _Response(200, body)


async def _heartbeat(request: _Request, api_key, data: dict) -> _Response:
    await fast_status.member_heartbeat(
        room_code=request.room_code, player_id=request.player_id, actor=actor_for(api_key)
    )
    return _Response(200, presenters.heartbeat_acknowledged())


def _on_a_thread(operation):
    """Operations that stay on the ORM (rarer than status updates) run on a worker thread,
    never on the loop and never queued behind Django's one thread for synchronous views."""

    async def handle(request: _Request, api_key, data: dict) -> _Response:
        return _Response(
            200,
            await _run_operation(request, operation, room_code=request.room_code, data=data, actor=actor_for(api_key)),
        )

    return handle


async def _run_operation(request: _Request, operation, **kwargs) -> dict:
    """An ORM operation on a worker thread; with an Idempotency-Key, its durable record is
    written in its transaction (and a record already there is replayed)."""
    guard = request.claim.guard
    if not guard.idempotency_key:
        return await pg.run_orm(operation, **kwargs)
    return await pg.run_orm(idempotency.run_recorded, guard, functools.partial(operation, **kwargs))


_HANDLERS = {
    "status": _status,
    "heartbeat": _heartbeat,
    "bulk": _on_a_thread(operations.bulk_status),
    "game_end": _on_a_thread(operations.game_end),
}


_background: set[asyncio.Future] = set()


def _in_background(awaitable) -> None:
    task = asyncio.ensure_future(awaitable)
    _background.add(task)
    task.add_done_callback(_background.discard)


def _static_headers() -> list[tuple[bytes, bytes]]:
    """The headers Django's middleware and the DRF view put on every API answer."""
    headers = [("Allow", "POST, OPTIONS"), ("Cache-Control", "no-store")]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    policy = build_policy()
    if policy:
        headers.append(("Content-Security-Policy", policy))
    headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS))
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


_STATIC_HEADERS: list | None = None


async def _send(send, response: _Response, request_id: str) -> None:
    global _STATIC_HEADERS
    if _STATIC_HEADERS is None:
        _STATIC_HEADERS = _static_headers()
    headers = [
        (b"content-type", response.content_type.encode("latin-1")),
        (b"content-length", str(len(response.content)).encode()),
        (b"x-request-id", request_id.encode("latin-1")),
        *_STATIC_HEADERS,
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
