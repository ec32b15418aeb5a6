"""`api_operation`: one extend_schema per endpoint with its scope, rate tier, examples and every error it can return."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from .. import conf
from ..idempotency import HEADER as IDEMPOTENCY_HEADER
from ..idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from .errors import COMMON, ROOM, WRITES, error_responses

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is best): printable characters, not starting or ending with a space. "
        "The first response is kept for 24 h and replayed, with "
        "`Idempotent-Replayed: true`, to retries with the same body; another body gets 422."
    ),
)
ROOM_CODE_PARAMETER = OpenApiParameter(
    "room_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The room's six-character code"
)
PLAYER_ID_PARAMETER = OpenApiParameter(
    "player_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The player's id (the launch URL's playerId)"
)

_TIER_NOTES = {
    "validation": "per key",
    "status": "per key and room",
    "bulk": "per key",
    "heartbeat": "per key and player",
    "room_create": "per key",
    "read": "per key",
    "write": "per key",
}


def api_operation(
    *,
    operation_id: str,
    summary: str,
    tag: str,
    ok,
    ok_status: int = 200,
    request=None,
    scope: str | None = None,
    tier: str | None = None,
    writes: bool = False,
    room: bool = False,
    errors: tuple[str, ...] = (),
    examples: list | None = None,
    parameters: list | None = None,
    description: str = "",
    authenticated: bool = True,
):
    notes = []
    if authenticated:
        notes.append(f"Scope: `{scope}`." if scope else "Any valid key.")
    if tier:
        notes.append(f"Rate tier `{tier}`: {conf.rate_tiers()[tier]} {_TIER_NOTES[tier]} by default.")
    if room:
        notes.append("Unknown room codes count toward the per-IP code-guessing limit (429).")
    codes = (*COMMON, *(WRITES if writes else ()), *(ROOM if room else ()), *errors) if authenticated else ()
    params = [*([ROOM_CODE_PARAMETER] if room else []), *(parameters or [])]
    if writes:
        params.append(IDEMPOTENCY_PARAMETER)
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=" ".join(filter(None, [description, *notes])),
        tags=[tag],
        request=request,
        responses={ok_status: ok, **error_responses(*codes)},
        examples=examples or [],
        parameters=params,
        auth=None if authenticated else [],
    )
