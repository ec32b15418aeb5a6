"""Property-based run of schemathesis against /api/v2/schema/ with every check (issue 20).

Runs in-process over WSGI with a valid key. Path parameters are pointed at a real room
and player most of the time, so the generated bodies reach the services instead of
stopping at 404; the code-guessing and API rate limits are raised for the run (their
429s are tested on their own in test_rate_limits.py and test_rooms_api.py).
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import RequestFactory
from django.urls import resolve
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from gameapi.openapi.extensions import DISPLAY_NAME_FORMAT
from tests.factories import make_room

from .client import make_key

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 15  # the whole run stays well under 90 s on a busy two-core machine
# Every check schemathesis has (call_and_validate without `checks`): no 5xx; every response
# (success or error envelope) as documented; schema-valid requests accepted (positive data
# acceptance: 2xx, or 401/403/404/409/429) and schema-invalid ones refused (negative data
# rejection); missing or bad credentials refused. So the schema says what the server
# enforces: status/location pairs (anyOf), 1-200 bulk rows, the Idempotency-Key pattern,
# `game` required on GET game-state, names as the `display-name` format.


@pytest.fixture
def live_context(transactional_db, quiz_game, settings):
    settings.ROOM_CODE_GUESS_RATE = "100000/m"
    settings.GAME_API_RATE_LIMITS = {tier: "100000/m" for tier in settings.GAME_API_RATE_LIMITS}
    settings.API_ANONYMOUS_RATE = "100000/m"  # the auth checks send many requests without a key
    raw, _ = make_key()
    room, seats = make_room(players=3, game_slug="quiz")
    return {"key": raw, "code": room.room_code, "players": [str(seat.player.pk) for seat in seats]}


# Display names: what the `display-name` format promises (players.names: visible characters
# after NFKC, no look-alike of a seat's name), drawn from letters, digits and inner spaces.
schemathesis.openapi.format(
    DISPLAY_NAME_FORMAT,
    st.from_regex(r"\A[A-Za-z0-9À-ÿ][A-Za-z0-9À-ÿ ._-]{0,22}[A-Za-z0-9À-ÿ]\Z|\A[A-Za-z0-9]\Z"),
)


def load_schema() -> dict:
    """The served schema, rendered by its view without the middleware: loaded at collection, it must
    not open the app's PostgreSQL pool (on the main database, which a test run never creates; the
    failed attempt opened the database breaker just as pytest-django created the test database)."""
    path = "/api/v2/schema/"
    response = resolve(path).func(RequestFactory().get(path, {"format": "json"}))
    response.render()
    return json.loads(response.content)


schema = schemathesis.openapi.from_dict(load_schema()).include(path_regex=r"^/api/v2/")
schema.app = get_wsgi_application()
# NUL characters cannot be stored (PostgreSQL text and jsonb): the server refuses them in any
# JSON it keeps with 400 naming the field (tests/gameapi/test_unstorable_json.py), a rule no
# JSON schema can state for free-form objects such as game state, so none are generated.
schema.config.generation.update(allow_x00=False)


def negative_at(case, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)


def aim_at_live_data(case, context) -> None:
    """Point generated requests at a real room, its players and fresh idempotency keys.

    Only parts generated valid are changed: a part generated invalid on purpose (a malformed
    Idempotency-Key or room code, a body that breaks the schema) is sent as generated, so the
    negative-data check sees the server refuse exactly what the schema forbids.
    """
    case.headers = dict(case.headers or {})
    if not negative_at(case, ParameterLocation.HEADER) and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    if case.path_parameters and not negative_at(case, ParameterLocation.PATH):
        if "room_code" in case.path_parameters:
            case.path_parameters["room_code"] = context["code"]
        if "player_id" in case.path_parameters:
            case.path_parameters["player_id"] = context["players"][0]
    if negative_at(case, ParameterLocation.BODY):
        return
    if isinstance(case.body, dict) and isinstance(case.body.get("settings"), dict):
        # Settings follow the catalog game's own schema, which no static API schema can state.
        case.body["settings"] = {"rounds": 3}
    if isinstance(case.body, dict) and isinstance(case.body.get("players"), list):
        # One row per real player (a player named twice is refused): as many rows as the room has.
        rows = case.body["players"][: len(context["players"])]
        for row, player_id in zip(rows, context["players"], strict=False):
            if isinstance(row, dict) and isinstance(row.get("playerId"), str) and len(row["playerId"]) == 36:
                row["playerId"] = player_id
        case.body["players"] = rows


def credentials(case, context) -> dict:
    """The real key, sent as explicit credentials, when the generated case carries a valid one.

    Explicit credentials let the auth checks probe the route without them (and with a bad
    one) and expect 401. A case generated without the header (the missing-header scenario),
    or with headers invalid on purpose, is sent as generated.
    """
    if negative_at(case, ParameterLocation.HEADER) or case.headers.pop("X-API-Key", None) is None:
        return {}
    return {"X-API-Key": context["key"]}


# CI explores the same examples every run (a red build must mean a real regression);
# SCHEMATHESIS_EXPLORE=1 draws fresh ones, which is how the NUL-in-JSON 500 was found.
EXPLORE = os.environ.get("SCHEMATHESIS_EXPLORE") == "1"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES * (5 if EXPLORE else 1),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not EXPLORE,
)
def test_game_api_conforms_to_its_schema(case, live_context):
    aim_at_live_data(case, live_context)
    case.call_and_validate(headers=credentials(case, live_context))
