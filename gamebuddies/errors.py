"""Typed platform errors and the one error envelope every entry point speaks.

Services raise these; the REST API, the WebSocket consumer and the pages turn them
into `{error, code, retryable, timestamp, requestId}` (plus `currentState` on 409
conflicts and `retryAfter` on 429).
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse

from gamebuddies import metrics
from gamebuddies.outages import note_outage, outage_cause

logger = logging.getLogger(__name__)


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class GameBuddiesError(Exception):
    code = "INTERNAL_ERROR"
    status = 500
    retryable = False
    default_message = "Internal server error"

    def __init__(self, message: str | None = None, *, field: str | None = None, details: dict | None = None):
        self.message = message or self.default_message
        self.field = field
        self.details = details or {}
        super().__init__(self.message)

    def envelope(self, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "error": self.message,
            "code": self.code,
            "retryable": self.retryable,
            "timestamp": utc_now_iso(),
            "requestId": request_id,
        }
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ValidationError(GameBuddiesError):
    code = "VALIDATION_ERROR"
    status = 400
    default_message = "Invalid input"


class NotFoundError(GameBuddiesError):
    code = "NOT_FOUND"
    status = 404
    default_message = "Not found"


class RoomNotFoundError(NotFoundError):
    code = "ROOM_NOT_FOUND"
    default_message = "Room not found"


class PlayerNotFoundError(NotFoundError):
    code = "PLAYER_NOT_FOUND"
    default_message = "Player is not in this room"


class GameNotFoundError(NotFoundError):
    code = "GAME_NOT_FOUND"
    default_message = "Game not found"


class RoomFullError(GameBuddiesError):
    code = "ROOM_FULL"
    status = 409
    default_message = "Room is full"


class RoomClosedError(GameBuddiesError):
    code = "ROOM_CLOSED"
    status = 410
    default_message = "Room is closed"


class InvalidRoomStateError(GameBuddiesError):
    code = "INVALID_ROOM_STATE"
    status = 409
    default_message = "The room cannot do that right now"


class RoomNotInGameError(GameBuddiesError):
    """A report that would put a player in the game while the room is not playing one."""

    code = "ROOM_NOT_IN_GAME"
    status = 409
    default_message = "The room is not in a game"

    def __init__(self, message: str | None = None, *, room_status: str, **kwargs):
        super().__init__(message or f"The room is not in a game (it is {room_status})", **kwargs)
        self.details = {**self.details, "roomStatus": room_status}


class PlayerDisconnectedError(GameBuddiesError):
    """A heartbeat for a seat that is disconnected: beats keep presence alive, they don't revive it."""

    code = "PLAYER_DISCONNECTED"
    status = 409
    default_message = "The player is disconnected; report status connected to bring them back"


class ForbiddenError(GameBuddiesError):
    code = "FORBIDDEN"
    status = 403
    default_message = "Not allowed"


class InvalidSessionError(GameBuddiesError):
    code = "INVALID_SESSION"
    status = 401
    default_message = "Session is invalid or expired"


class InvalidApiKeyError(GameBuddiesError):
    code = "INVALID_API_KEY"
    status = 401
    default_message = "Missing or invalid API key"


class InsufficientScopeError(GameBuddiesError):
    code = "INSUFFICIENT_SCOPE"
    status = 403
    default_message = "API key lacks the required scope"


class ConstraintViolationError(GameBuddiesError):
    code = "CONSTRAINT_VIOLATION"
    status = 409
    default_message = "The change conflicts with the current data"


class StateConflictError(GameBuddiesError):
    code = "STATE_CONFLICT"
    status = 409
    retryable = True
    default_message = "State has changed since the expected version"

    def __init__(self, message: str | None = None, *, current_state: Any = None, **kwargs):
        super().__init__(message, **kwargs)
        self.current_state = current_state

    def envelope(self, request_id: str | None = None) -> dict[str, Any]:
        body = super().envelope(request_id)
        body["currentState"] = self.current_state
        return body


class RetryLaterError(GameBuddiesError):
    """Retryable, and says when: `retryAfter` in the envelope and the Retry-After header."""

    retryable = True
    default_retry_after = 60

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, math.ceil(self.default_retry_after if retry_after is None else retry_after))

    def envelope(self, request_id: str | None = None) -> dict[str, Any]:
        body = super().envelope(request_id)
        body["retryAfter"] = self.retry_after
        return body


class RateLimitedError(RetryLaterError):
    code = "RATE_LIMITED"
    status = 429
    default_message = "Rate limit exceeded"


class ServiceUnavailableError(RetryLaterError):
    """PostgreSQL or Redis could not do the work just now: nothing was changed, try again."""

    code = "SERVICE_UNAVAILABLE"
    status = 503
    default_message = "The service is briefly unavailable; nothing was changed, please retry"
    default_retry_after = 1


class PayloadTooLargeError(GameBuddiesError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = "Request body is too large"


class DuplicateRequestError(GameBuddiesError):
    code = "DUPLICATE_REQUEST"
    status = 409
    retryable = True
    default_message = "An identical request is still being processed"


class IdempotencyKeyReusedError(GameBuddiesError):
    code = "IDEMPOTENCY_KEY_REUSED"
    status = 422
    default_message = "Idempotency-Key was already used with a different request"


def from_integrity_error(exc: IntegrityError) -> ConstraintViolationError:
    # The database is the last guard; callers see a stable code, never a 500.
    logger.info("constraint violation: %s", exc.__class__.__name__)
    return ConstraintViolationError()


def from_outage(exc: BaseException) -> ServiceUnavailableError | None:
    """503 for a PostgreSQL or Redis fault (gamebuddies/outages.py), or None for anything else."""
    cause = outage_cause(exc)
    if cause is None:
        return None
    note_outage(exc)  # gamebuddies/db_resilience.py may run the whole request once more
    logger.info("%s unavailable: %s", cause, exc.__class__.__name__)
    metrics.unavailable.labels(cause).inc()
    return ServiceUnavailableError(f"The {cause} is briefly unavailable; nothing was changed, please retry")


def as_platform_error(exc: BaseException) -> GameBuddiesError:
    if isinstance(exc, GameBuddiesError):
        return exc
    outage = from_outage(exc)
    if outage is not None:
        return outage
    if isinstance(exc, IntegrityError):
        return from_integrity_error(exc)
    if isinstance(exc, DataError):
        # A value the database cannot store (it slipped past validation): the caller's input.
        logger.warning("database refused a value: %s", exc.__class__.__name__)
        return ValidationError("A value in the request cannot be stored")
    if isinstance(exc, Http404):
        return NotFoundError()
    if isinstance(exc, PermissionDenied):
        return ForbiddenError()
    return GameBuddiesError()


def error_response(error: GameBuddiesError, request=None) -> JsonResponse:
    request_id = getattr(request, "request_id", None)
    response = JsonResponse(error.envelope(request_id), status=error.status)
    if isinstance(error, RetryLaterError):
        response["Retry-After"] = str(error.retry_after)
    return response


def drf_exception_handler(exc, context):
    """DRF's exception handler, speaking the platform envelope for every error path."""
    from rest_framework.views import set_rollback

    request = context.get("request")
    error = from_drf_exception(exc)
    set_rollback()
    return error_response(error, request)


def from_drf_exception(exc) -> GameBuddiesError:
    """The platform error for anything a DRF view or its parsers and serializers raise."""
    from rest_framework import exceptions as drf_exc

    error: GameBuddiesError
    if isinstance(exc, drf_exc.ValidationError):
        field, message = first_error(exc.detail) or ("body", "Invalid input")
        error = ValidationError(message, field=field)
    elif isinstance(exc, drf_exc.ParseError):
        error = ValidationError(f"Malformed JSON: {exc.detail}", field="body")
    elif isinstance(exc, drf_exc.UnsupportedMediaType):
        error = ValidationError("Send a JSON body with Content-Type: application/json", field="body")
    elif isinstance(exc, drf_exc.NotAuthenticated | drf_exc.AuthenticationFailed):
        error = InvalidApiKeyError()
    elif isinstance(exc, drf_exc.MethodNotAllowed):
        error = GameBuddiesError(f"Method {exc.detail}", details={})
        error.code, error.status = "METHOD_NOT_ALLOWED", 405
        error.message = str(exc.detail)
    elif isinstance(exc, drf_exc.NotAcceptable):
        error = GameBuddiesError(str(exc.detail))
        error.code, error.status = "NOT_ACCEPTABLE", 406
    elif isinstance(exc, drf_exc.Throttled):
        error = RateLimitedError(retry_after=exc.wait or 60)
    elif isinstance(exc, drf_exc.NotFound):
        error = NotFoundError()
    elif isinstance(exc, drf_exc.PermissionDenied):
        error = ForbiddenError()
    else:
        known = GameBuddiesError | IntegrityError | DataError | Http404 | PermissionDenied
        if not isinstance(exc, known) and outage_cause(exc) is None:
            logger.exception("unhandled API error", exc_info=exc)
        error = as_platform_error(exc)
    return error


def first_error(detail, prefix: str = "") -> tuple[str, str] | None:
    """The first real message in DRF's nested detail, with its field path (skips valid list rows)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" and not prefix else str(key)
            if key == "non_field_errors" and prefix:
                path = prefix
            elif isinstance(key, int) or str(key).isdigit():
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{name}" if prefix else name
            found = first_error(value, path)
            if found:
                return found
        return None
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                found = first_error(value, f"{prefix}[{index}]")
                if found:
                    return found
            else:
                return prefix or "body", f"{prefix or 'body'}: {value}"
        return None
    return prefix or "body", f"{prefix or 'body'}: {detail}"
