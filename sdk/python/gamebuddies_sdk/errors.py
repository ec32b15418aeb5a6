"""Typed exceptions, one per Game API error code.

Every API error arrives as the envelope `{error, code, retryable, timestamp, requestId}`
(plus `currentState` on 409 conflicts, `retryAfter` on 429, `field` on validation
errors). `error_from_response` turns it into the matching exception class, so callers
can write `except RoomFullError:` instead of comparing strings.
"""

from __future__ import annotations

from typing import Any


class GameBuddiesError(Exception):
    """Base class: everything the SDK raises about an API call derives from this."""

    code = "INTERNAL_ERROR"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        retryable: bool = False,
        request_id: str | None = None,
        field: str | None = None,
        body: dict | None = None,
    ):
        super().__init__(message or self.__class__.__name__)
        self.message = message
        if code:
            self.code = code
        self.status = status
        self.retryable = retryable
        self.request_id = request_id
        self.field = field
        self.body = body or {}

    def __str__(self) -> str:
        where = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.code}: {self.message}{where}"


class ValidationError(GameBuddiesError):
    """400: the request was malformed; `field` names the offending input."""

    code = "VALIDATION_ERROR"


class InvalidApiKeyError(GameBuddiesError):
    """401: missing, unknown, expired or revoked API key."""

    code = "INVALID_API_KEY"


class InvalidSessionError(GameBuddiesError):
    """401: a player's session token is unknown, revoked or expired."""

    code = "INVALID_SESSION"


class InsufficientScopeError(GameBuddiesError):
    """403: the key is valid but lacks the scope this endpoint needs."""

    code = "INSUFFICIENT_SCOPE"


class ForbiddenError(GameBuddiesError):
    """403: e.g. a game-bound key touching a room that plays another game."""

    code = "FORBIDDEN"


class NotFoundError(GameBuddiesError):
    """404, and the base of the more precise not-found errors below."""

    code = "NOT_FOUND"


class RoomNotFoundError(NotFoundError):
    code = "ROOM_NOT_FOUND"


class PlayerNotFoundError(NotFoundError):
    code = "PLAYER_NOT_FOUND"


class GameNotFoundError(NotFoundError):
    code = "GAME_NOT_FOUND"


class RoomClosedError(GameBuddiesError):
    """410: the room existed but has finished or been abandoned."""

    code = "ROOM_CLOSED"


class RoomFullError(GameBuddiesError):
    """409: no free seat for another player."""

    code = "ROOM_FULL"


class NameTakenError(GameBuddiesError):
    """409: a seat in the room already shows that name, or one that looks the same
    (case, width, look-alike letters from other scripts). Ask for another name."""

    code = "NAME_TAKEN"


class InvalidRoomStateError(GameBuddiesError):
    """409: the room cannot do that right now (e.g. it is not in a game)."""

    code = "INVALID_ROOM_STATE"


class RoomNotInGameError(GameBuddiesError):
    """409: the report would put a player in the game, but the room is not playing one
    (`room_status`: "lobby" once the game ended, or before it started). Nothing changed.

    A report that arrives after the game ended is refused this way: treat it as the end of
    the game, not as a failure to retry.
    """

    code = "ROOM_NOT_IN_GAME"

    def __init__(self, *args, room_status: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.room_status = room_status


class PlayerDisconnectedError(GameBuddiesError):
    """409: a heartbeat for a player who is disconnected or has left. Heartbeats keep presence
    alive, they never bring a player back: report status "connected" for that, or stop beating."""

    code = "PLAYER_DISCONNECTED"


class ConstraintViolationError(GameBuddiesError):
    code = "CONSTRAINT_VIOLATION"


class StateConflictError(GameBuddiesError):
    """409: `expectedVersion` was stale. `current_state` holds what the server has now.

    Not retried automatically: re-read, decide, and send again with the new version.
    """

    code = "STATE_CONFLICT"

    def __init__(self, *args, current_state: Any = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_state = current_state


class DuplicateRequestError(GameBuddiesError):
    """409: the same request (same Idempotency-Key) is still running on the server."""

    code = "DUPLICATE_REQUEST"


class IdempotencyKeyReusedError(GameBuddiesError):
    """422: the Idempotency-Key was already used with a different request body."""

    code = "IDEMPOTENCY_KEY_REUSED"


class PayloadTooLargeError(GameBuddiesError):
    code = "PAYLOAD_TOO_LARGE"


class MethodNotAllowedError(GameBuddiesError):
    code = "METHOD_NOT_ALLOWED"


class RateLimitedError(GameBuddiesError):
    """429: slow down; `retry_after` is how many seconds the server asked to wait."""

    code = "RATE_LIMITED"

    def __init__(self, *args, retry_after: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(GameBuddiesError):
    """5xx: INTERNAL_ERROR or a proxy failure in front of the API."""

    code = "INTERNAL_ERROR"


class TransportError(GameBuddiesError):
    """The request never got an HTTP answer: connection refused, reset, or timed out."""

    code = "CONNECTION_ERROR"


class TimeoutError(TransportError):  # noqa: A001 - the SDK's own, narrower than the builtin
    code = "TIMEOUT"


class WebhookVerificationError(Exception):
    """A webhook delivery whose signature, timestamp or body cannot be trusted."""


ERRORS_BY_CODE: dict[str, type[GameBuddiesError]] = {
    cls.code: cls
    for cls in (
        ValidationError,
        InvalidApiKeyError,
        InvalidSessionError,
        InsufficientScopeError,
        ForbiddenError,
        NotFoundError,
        RoomNotFoundError,
        PlayerNotFoundError,
        GameNotFoundError,
        RoomClosedError,
        RoomFullError,
        NameTakenError,
        InvalidRoomStateError,
        RoomNotInGameError,
        PlayerDisconnectedError,
        ConstraintViolationError,
        StateConflictError,
        DuplicateRequestError,
        IdempotencyKeyReusedError,
        PayloadTooLargeError,
        MethodNotAllowedError,
        RateLimitedError,
        ServerError,
    )
}


def _retry_after(headers, body: dict) -> float | None:
    for value in (headers.get("Retry-After"), body.get("retryAfter")):
        try:
            if value is not None:
                return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None


def error_from_response(status: int, headers, body: Any) -> GameBuddiesError:
    """The typed exception for an error response (the envelope, or whatever a proxy sent)."""
    if not isinstance(body, dict):
        body = {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    cls = ERRORS_BY_CODE.get(code or "")
    if cls is None:
        cls = ServerError if status >= 500 else GameBuddiesError
    kwargs: dict[str, Any] = {
        "code": code or ("INTERNAL_ERROR" if status >= 500 else f"HTTP_{status}"),
        "status": status,
        "retryable": bool(body.get("retryable", status >= 500)),
        "request_id": body.get("requestId") or headers.get("X-Request-Id"),
        "field": body.get("field"),
        "body": body,
    }
    message = str(body.get("error") or f"HTTP {status}")
    if cls is StateConflictError:
        return StateConflictError(message, current_state=body.get("currentState"), **kwargs)
    if cls is RateLimitedError:
        return RateLimitedError(message, retry_after=_retry_after(headers, body), **kwargs)
    if cls is RoomNotInGameError:
        details = body.get("details") if isinstance(body.get("details"), dict) else {}
        return RoomNotInGameError(message, room_status=details.get("roomStatus"), **kwargs)
    return cls(message, **kwargs)
