"""Rows that grew without limit (issue 18 #5): anonymous requests logged row by row (3,000 in
11 s), unlimited 60 KB game-state versions (7 MB in 3 s), 30 rooms a minute per key."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from gameapi import request_log
from gameapi.models import ApiRequest
from rooms.models import GameState
from tests.factories import make_room

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def anonymous_count(status: int) -> float:
    value = REGISTRY.get_sample_value("gamebuddies_api_unauthenticated_requests_total", {"status": str(status)})
    return value or 0.0


def test_anonymous_requests_are_counted_not_logged_and_limited_per_ip(settings):
    settings.API_ANONYMOUS_RATE = "30/m"
    stranger = ApiClient(ip="203.0.113.150")
    before_404, before_401, before_429 = anonymous_count(404), anonymous_count(401), anonymous_count(429)
    statuses = [stranger.get(f"/no/such/path/{n}").status_code for n in range(25)]
    statuses += [stranger.get("/keys/validate", key="gb_" + "0" * 64).status_code for _ in range(10)]
    assert statuses[:25] == [404] * 25 and statuses[25:30] == [401] * 5 and set(statuses[30:]) == {429}
    assert_envelope(stranger.get("/rooms/ABCDEF"), "RATE_LIMITED", 429)
    request_log.flush()
    assert not ApiRequest.objects.exists()  # no rows for requests without a valid key...
    assert anonymous_count(404) - before_404 == 25  # ...they are counted instead
    assert anonymous_count(401) - before_401 == 5
    assert anonymous_count(429) - before_429 == 6
    # A game server with a valid key behind the same address is not affected, and is logged.
    raw, _ = make_key()
    assert ApiClient(raw, ip="203.0.113.150").get("/keys/validate").status_code == 200
    request_log.flush()
    assert ApiRequest.objects.filter(api_key__isnull=False).count() == 1


def test_a_key_creates_at_most_its_rooms_per_hour(settings):
    settings.API_KEY_ROOMS_PER_HOUR = "3/h"
    raw, _ = make_key()
    api = ApiClient(raw)
    statuses = [api.post("/rooms", {"hostName": f"Host {n}"}).status_code for n in range(5)]
    assert statuses == [201, 201, 201, 429, 429]


def test_a_keys_writes_are_limited_across_all_its_rooms(settings, quiz_game):
    settings.API_KEY_WRITES_PER_MINUTE = "6/m"
    raw, _ = make_key()
    api = ApiClient(raw)
    rooms = [make_room(game_slug="quiz")[0] for _ in range(4)]
    statuses = [
        api.put(f"/rooms/{rooms[n % 4].room_code}/game-state", {"game": "quiz", "state": {"n": n}}).status_code
        for n in range(8)
    ]
    assert statuses == [200] * 6 + [429] * 2  # each room's own budget was far from used
    assert ApiClient(raw).get(f"/rooms/{rooms[0].room_code}").status_code == 200  # reads are not writes


def test_game_state_keeps_the_last_versions_only(api, quiz_game, settings):
    settings.GAME_STATE_VERSIONS_KEPT = 3
    room, _ = make_room(game_slug="quiz")
    path = f"/rooms/{room.room_code}/game-state"
    for n in range(10):
        assert api.put(path, {"game": "quiz", "state": {"n": n}}).status_code == 200
    assert sorted(GameState.objects.filter(room=room).values_list("version", flat=True)) == [8, 9, 10]
    assert api.get(path, game="quiz").json()["state"] == {"n": 9}


def test_game_state_of_a_room_stays_under_its_byte_budget(api, quiz_game, settings):
    settings.GAME_STATE_ROOM_BYTES = 3000
    room, _ = make_room(game_slug="quiz")
    path = f"/rooms/{room.room_code}/game-state"
    for n in range(12):  # 12 x ~1 KB: the attack stored 7 MB this way
        assert api.put(path, {"game": "quiz", "state": {"n": n, "pad": "x" * 1000}}).status_code == 200
    rows = list(GameState.objects.filter(room=room).order_by("version"))
    assert sum(len(str(r.state)) for r in rows) <= 3000 + 100 * len(rows)
    assert len(rows) == 2 and rows[-1].version == 12  # the newest always stays
    too_big = api.put(path, {"game": "quiz", "state": {"pad": "x" * 4000}})
    assert assert_envelope(too_big, "VALIDATION_ERROR", 400)["field"] == "state"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_lean_status_path_counts_in_the_same_writes_quota(settings):
    from gamebuddies import pg
    from tests.gameapi.lean_client import asgi_request, settle

    settings.GAMEAPI_LEAN_PATH = True
    settings.API_KEY_WRITES_PER_MINUTE = "5/m"
    raw, _ = await pg.run_orm(make_key, rate_limits={"status": "1000/m"})
    rooms = [await pg.run_orm(make_room, players=2, in_game=True) for _ in range(3)]
    try:
        statuses = []
        for n in range(6):
            room, seats = rooms[n % 3]
            path = f"/api/v2/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
            body = f'{{"status": "in_game", "location": "game", "metadata": {{"n": {n}}}}}'.encode()
            statuses.append((await asgi_request("POST", path, body=body, headers={"X-API-Key": raw})).status)
        assert statuses == [200] * 5 + [429]  # each room's own status budget was far from used
        # The Django path's writes share the bucket: this key's quota is used up there too.
        room, _ = rooms[0]
        answer = await pg.run_orm(lambda: ApiClient(raw).post(f"/rooms/{room.room_code}/game-end", {}))
        assert answer.status_code == 429
    finally:
        await settle()
