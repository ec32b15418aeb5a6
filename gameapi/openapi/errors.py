"""The error envelope in the schema, with one example for every error code the API can return."""

from __future__ import annotations

from collections import defaultdict

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from ..fields import AnyObjectField

_TIMESTAMP = "2026-01-31T18:00:00.000000Z"
_REQUEST_ID = "7f9c2ba4e88f827d616045507605853e"

# code: (HTTP status, message, retryable, extra fields)
ERRORS: dict[str, tuple[int, str, bool, dict]] = {
    "VALIDATION_ERROR": (400, 'location: "moon" is not a valid choice.', False, {"field": "location"}),
    "INVALID_API_KEY": (401, "Missing X-API-Key header", False, {}),
    "INSUFFICIENT_SCOPE": (403, "This endpoint needs the status:write scope", False, {}),
    "FORBIDDEN": (403, "This API key is bound to another game", False, {}),
    "NOT_FOUND": (404, "Not found", False, {}),
    "ROOM_NOT_FOUND": (404, "Room not found", False, {}),
    "PLAYER_NOT_FOUND": (404, "Player is not in this room", False, {}),
    "GAME_NOT_FOUND": (404, "Game not found", False, {"field": "game"}),
    "METHOD_NOT_ALLOWED": (405, 'Method "DELETE" not allowed.', False, {}),
    "ROOM_FULL": (409, "Room is full", False, {}),
    "NAME_TAKEN": (
        409,
        "Someone in this room already has that name, or one that looks the same. Please pick another.",
        False,
        {"field": "name"},
    ),
    "STATE_CONFLICT": (
        409,
        "Player is at version 4, not 3",
        True,
        {"currentState": {"version": 12, "playerVersion": 4, "room": {"code": "K7QX2M"}, "players": []}},
    ),
    "INVALID_ROOM_STATE": (409, "The room is in game", False, {}),
    "ROOM_NOT_IN_GAME": (
        409,
        "The room is not in a game (it is lobby)",
        False,
        {"field": "location", "details": {"roomStatus": "lobby"}},
    ),
    "PLAYER_DISCONNECTED": (409, "The player is disconnected; report status connected to bring them back", False, {}),
    "DUPLICATE_REQUEST": (409, "An identical request is still being processed", True, {}),
    "CONSTRAINT_VIOLATION": (409, "The change conflicts with the current data", False, {}),
    "ROOM_CLOSED": (410, "Room is closed", False, {}),
    "PAYLOAD_TOO_LARGE": (413, "Request body is larger than 65536 bytes", False, {}),
    "IDEMPOTENCY_KEY_REUSED": (422, "Idempotency-Key was already used with a different request", False, {}),
    "RATE_LIMITED": (429, "Rate limit exceeded", True, {"retryAfter": 37}),
    "INTERNAL_ERROR": (500, "Internal server error", False, {}),
    "SERVICE_UNAVAILABLE": (
        503,
        "The database is briefly unavailable; nothing was changed, please retry",
        True,
        {"retryAfter": 1},
    ),
}


class ErrorEnvelope(serializers.Serializer):
    error = serializers.CharField(help_text="Human-readable message; never contains secrets or internals")
    code = serializers.CharField(help_text="Stable machine-readable code: " + ", ".join(ERRORS))
    retryable = serializers.BooleanField(help_text="True when the same request may succeed if sent again later")
    timestamp = serializers.DateTimeField()
    requestId = serializers.CharField(allow_null=True, help_text="Also in the X-Request-Id header")  # noqa: N815
    field = serializers.CharField(required=False, help_text="The offending input field, when there is one")
    details = AnyObjectField(required=False)
    currentState = AnyObjectField(  # noqa: N815
        required=False, allow_null=True, help_text="On STATE_CONFLICT: the state to rebase on"
    )
    retryAfter = serializers.IntegerField(  # noqa: N815
        required=False,
        help_text="On RATE_LIMITED and SERVICE_UNAVAILABLE: seconds to wait (also the Retry-After header)",
    )


def error_example(code: str) -> OpenApiExample:
    status, message, retryable, extra = ERRORS[code]
    value = {
        "error": message,
        "code": code,
        "retryable": retryable,
        "timestamp": _TIMESTAMP,
        "requestId": _REQUEST_ID,
        **extra,
    }
    return OpenApiExample(code, value=value, response_only=True, status_codes=[str(status)])


# Every authenticated endpoint can answer these.
COMMON = (
    "INVALID_API_KEY",
    "INSUFFICIENT_SCOPE",
    "RATE_LIMITED",
    "INTERNAL_ERROR",
    "SERVICE_UNAVAILABLE",
    "METHOD_NOT_ALLOWED",
)
# Every POST/PUT can also answer these.
WRITES = ("VALIDATION_ERROR", "PAYLOAD_TOO_LARGE", "DUPLICATE_REQUEST", "IDEMPOTENCY_KEY_REUSED")
# Every endpoint that looks a room up by its code.
ROOM = ("ROOM_NOT_FOUND", "ROOM_CLOSED", "FORBIDDEN", "CONSTRAINT_VIOLATION")


def error_responses(*codes: str) -> dict[int, OpenApiResponse]:
    """`responses` entries for the given codes, grouped by status, each with its example."""
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in dict.fromkeys(codes):
        by_status[ERRORS[code][0]].append(code)
    return {
        status: OpenApiResponse(
            ErrorEnvelope, description=" or ".join(group), examples=[error_example(code) for code in group]
        )
        for status, group in sorted(by_status.items())
    }
