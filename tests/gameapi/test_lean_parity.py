"""The lean path and the DRF views answer the same requests the same way, and write the same rows.

Each case runs twice on PostgreSQL + Redis: through Django's test client (the DRF views,
the reference) and through the ASGI application, where the lean path takes the route.
Answers are compared after removing what must differ (ids, times, versions), along with
their headers and the rows the change wrote.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from gameapi.keys import hash_key
from gameapi.models import IdempotencyRecord
from gamebuddies import pg
from players.avatars import AVATARS
from players.models import Player, PlayerStatusHistory
from rooms.models import Room, RoomEvent, RoomMember
from tests.factories import make_room

from .client import make_key
from .lean_client import asgi_request, settle

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# retryAfter: each key's rate window ends at its own second (django-ratelimit's jitter).
VOLATILE = {
    "retryAfter",
    "roomCode",
    "playerId",
    "timestamp",
    "requestId",
    "updateId",
    "roomVersion",
    "lastPing",
    "joinedAt",
    "serverTime",
    "version",
    "id",
}
# Django adds these per response; the rest must be the same, name and value.
VOLATILE_HEADERS = {"x-request-id", "content-length", "date", "server", "retry-after"}


def normalized(value, also=frozenset()):
    if isinstance(value, dict):
        return {k: ("*" if k in VOLATILE or k in also else normalized(v, also)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v, also) for v in value]
    return value


def drf_post(path: str, body, headers: dict) -> tuple[int, dict, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = Client(REMOTE_ADDR="203.0.113.7").generic(
        "POST", path, raw, content_type="application/json", headers=headers
    )
    response_headers = {k.lower(): v for k, v in response.headers.items()}
    return response.status_code, json.loads(response.content), response_headers


async def lean_post(path: str, body, headers: dict) -> tuple[int, dict, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await asgi_request("POST", path, body=raw, headers=headers)
    return response.status, response.json(), response.headers


def rows_of(room_id) -> dict:
    member_rows = list(
        RoomMember.objects.filter(room_id=room_id)
        .order_by("joined_at")
        .values("status", "current_location", "is_connected", "in_game", "game_data", "version")
    )
    history = list(
        PlayerStatusHistory.objects.filter(room_id=room_id)
        .order_by("id")
        .values("old_location", "new_location", "old_status", "new_status", "reason", "metadata")
    )
    events = [
        normalized(e, also={"playerId", "apiKeyId", "hostId", "code"})
        for e in RoomEvent.objects.filter(room_id=room_id).order_by("room_version").values("event_type", "event_data")
    ]
    room = Room.objects.values("status", "version").get(pk=room_id)
    return {"members": member_rows, "history": history, "events": events, "room": room}


def make_scene():
    raw_key, _ = make_key(service="parity-game", rate_limits={"status": "3/m"})
    room, seats = make_room(players=3, in_game=True)
    # Players with and without an avatar: both paths' snapshots and answers must show them alike.
    Player.objects.filter(pk=seats[1].player.pk).update(avatar=next(iter(AVATARS)), avatar_colour=3)
    return raw_key, room, seats


# (name, path suffix builder, body, extra headers): run in order against one fresh room per path.
def cases(room, seats, raw_key):
    code = room.room_code
    guest = seats[1].player.pk

    def status(player=guest, room_code=code, action="status"):
        return f"/api/v2/rooms/{room_code}/players/{player}/{action}"

    def heartbeat(player=guest):
        return status(player, action="heartbeat")

    key = {"X-API-Key": raw_key}
    return [
        ("ok", status(), {"status": "in_game", "location": "game", "metadata": {"s": 1}}, key),
        ("idempotent first", status(), {"status": "connected", "metadata": {"t": 2}}, {**key, "Idempotency-Key": "k1"}),
        (
            "idempotent replay",
            status(),
            {"status": "connected", "metadata": {"t": 2}},
            {**key, "Idempotency-Key": "k1"},
        ),
        ("idempotent reuse", status(), {"status": "lobby"}, {**key, "Idempotency-Key": "k1"}),
        ("no key", status(), {"status": "lobby"}, {}),
        ("bad key", status(), {"status": "lobby"}, {"X-API-Key": "gb_" + "0" * 64}),
        ("bad status", status(), {"status": "dancing"}, key),
        ("bad location", status(), {"status": "in_game", "location": "lobby"}, key),
        ("not json", status(), b"{nope", key),
        ("stale version", status(), {"status": "lobby", "expectedVersion": 0}, key),
        ("unknown player", status(player=uuid.uuid4()), {"status": "lobby"}, key),
        ("unknown room", status(room_code="ZZZZZZ"), {"status": "lobby"}, key),
        ("rate limited", status(), {"status": "lobby"}, key),
        ("heartbeat", heartbeat(), {}, key),
        ("heartbeat bad metadata", heartbeat(), {"metadata": []}, key),
        ("heartbeat unknown player", heartbeat(uuid.uuid4()), {}, key),
        ("heartbeat stranger's room", status(room_code="ZZZZZZ", action="heartbeat"), {}, key),
        ("bulk", f"/api/v2/rooms/{code}/bulk-status", {"players": [{"playerId": str(guest), "location": "game"}]}, key),
        (
            "bulk unknown player",
            f"/api/v2/rooms/{code}/bulk-status",
            {"players": [{"playerId": str(uuid.UUID(int=1)), "location": "game"}]},
            key,
        ),
        ("bulk empty", f"/api/v2/rooms/{code}/bulk-status", {"players": []}, key),
        (
            "bulk idempotent",
            f"/api/v2/rooms/{code}/bulk-status",
            {"players": [{"playerId": str(guest), "location": "game", "gameData": {"b": 1}}]},
            {**key, "Idempotency-Key": "k2"},
        ),
        ("session", "/api/v2/sessions/validate", {"sessionToken": seats[1].token}, key),
        ("session unknown", "/api/v2/sessions/validate", {"sessionToken": "gbs_unknown"}, key),
        ("game end", f"/api/v2/rooms/{code}/game-end", {"gameResult": {"winner": 1}}, key),
        ("game end again", f"/api/v2/rooms/{code}/game-end", {}, key),
        ("game end unknown room", "/api/v2/rooms/ZZZZZZ/game-end", {}, key),
    ]


@pytest.mark.asyncio
async def test_lean_answers_and_rows_match_the_drf_views(settings):
    settings.GAMEAPI_LEAN_PATH = True
    drf_scene = await pg.run_orm(make_scene)
    lean_scene = await pg.run_orm(make_scene)
    try:
        for (name, path, body, headers), (_, lean_path, lean_body, lean_headers) in zip(
            cases(drf_scene[1], drf_scene[2], drf_scene[0]),
            cases(lean_scene[1], lean_scene[2], lean_scene[0]),
            strict=True,
        ):
            expected = await pg.run_orm(drf_post, path, body, headers)
            got = await lean_post(lean_path, lean_body, lean_headers)
            assert got[0] == expected[0], (name, got, expected)
            assert normalized(got[1]) == normalized(expected[1]), name
            got_headers = {k: ("*" if k in VOLATILE_HEADERS else v) for k, v in got[2].items()}
            expected_headers = {k: ("*" if k in VOLATILE_HEADERS else v) for k, v in expected[2].items()}
            expected_headers.pop("date", None), got_headers.pop("date", None)
            assert got_headers == expected_headers, name
    finally:
        await settle()
    drf_rows = await pg.run_orm(rows_of, drf_scene[1].pk)
    lean_rows = await pg.run_orm(rows_of, lean_scene[1].pk)
    assert lean_rows == drf_rows
    # The successful update, the first idempotent one, the two bulk rows and the game end's return.
    assert len(lean_rows["history"]) == 5
    # Both paths keep the durable record of each Idempotency-Key change (and only of those).
    drf_records = await pg.run_orm(records_of, drf_scene[0])
    assert await pg.run_orm(records_of, lean_scene[0]) == drf_records == [200, 200]


def records_of(raw_key: str) -> list[int]:
    records = IdempotencyRecord.objects.filter(api_key__key_hash=hash_key(raw_key)).order_by("id")
    return list(records.values_list("status_code", flat=True))
