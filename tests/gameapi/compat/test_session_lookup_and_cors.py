"""GET /api/game-sessions/<token>: both body shapes games read, and credentialed CORS for catalog games only."""

from __future__ import annotations

import pytest

from rooms import services
from tests.factories import SYSTEM

from .original_games import GAME_ORIGIN, playing_room

pytestmark = pytest.mark.django_db
FOREIGN_ORIGIN = "https://evil.example"


def test_lookup_answers_the_flat_and_the_nested_shape_in_one_body(anon):
    room, seats = playing_room()
    response = anon.get(f"/api/game-sessions/{seats[0].token}")
    assert response.status_code == 200, response.content
    body = response.json()
    host_id = str(seats[0].player.pk)
    assert body["success"] is True
    assert (body["roomCode"], body["gameType"], body["playerId"], body["playerName"]) == (
        room.room_code,
        "quiz",
        host_id,
        "Host",
    )
    assert body["isHost"] is True and body["streamerMode"] is False and body["expiresAt"].endswith("Z")
    assert body["metadata"] == {
        "player_id": host_id,
        "player_name": "Host",
        "is_host": True,
        "total_players": 3,
        "premium_tier": "free",
    }
    assert body["session"] == {
        "playerId": host_id,
        "userId": host_id,
        "roomCode": room.room_code,
        "gameType": "quiz",
        "isHost": True,
        "playerName": "Host",
        "premiumTier": "free",
        "avatarUrl": None,
        "streamerMode": False,
    }
    assert response["Cache-Control"] == "no-store"
    assert anon.get(f"/api/game-sessions/{seats[1].token}").json()["isHost"] is False


@pytest.mark.parametrize("token", ["gbs_unknown", "nonsense"])
def test_unknown_token_is_404(anon, token):
    response = anon.get(f"/api/game-sessions/{token}")
    assert response.status_code == 404
    assert (response.json()["success"], response.json()["code"]) == (False, "SESSION_NOT_FOUND")


def test_token_of_a_closed_room_is_404(anon):
    room, seats = playing_room()
    services.room_close(room=room.pk, actor=SYSTEM)
    assert anon.get(f"/api/game-sessions/{seats[1].token}").status_code == 404


def test_catalog_game_origin_gets_its_exact_origin_with_credentials(anon):
    _, seats = playing_room()
    response = anon.get(f"/api/game-sessions/{seats[0].token}", headers={"Origin": GAME_ORIGIN})
    assert response["Access-Control-Allow-Origin"] == GAME_ORIGIN
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response["Vary"]


def test_foreign_origin_gets_no_cors_headers_and_never_a_wildcard(anon):
    _, seats = playing_room()
    response = anon.get(f"/api/game-sessions/{seats[0].token}", headers={"Origin": FOREIGN_ORIGIN})
    assert response.status_code == 200  # the browser, not the server, withholds it from the page
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_preflight_from_a_catalog_origin_allows_credentials_and_the_key_header(anon):
    _, seats = playing_room()
    headers = {
        "Origin": GAME_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-api-key",
    }
    response = anon.options("/api/v2/external/return", headers=headers)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == GAME_ORIGIN
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "X-API-Key" in response["Access-Control-Allow-Headers"]
    lookup = anon.options(
        f"/api/game-sessions/{seats[0].token}", headers={**headers, "Access-Control-Request-Method": "GET"}
    )
    assert lookup["Access-Control-Allow-Origin"] == GAME_ORIGIN


def test_preflight_from_a_foreign_origin_allows_nothing(anon):
    headers = {"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST"}
    response = anon.options("/api/v2/external/return", headers=headers)
    assert "Access-Control-Allow-Origin" not in response


def test_game_origins_setting_adds_an_origin(anon, settings):
    settings.GAME_ORIGINS = ["https://ddf.example:8443"]
    _, seats = playing_room()
    response = anon.get(f"/api/game-sessions/{seats[0].token}", headers={"Origin": "https://ddf.example:8443"})
    assert response["Access-Control-Allow-Origin"] == "https://ddf.example:8443"


def test_lookups_without_a_key_are_limited_per_client_address(anon, settings):
    settings.GAME_API_RATE_LIMITS = {"validation": "2/m"}
    _, seats = playing_room()
    assert [anon.get(f"/api/game-sessions/{seats[0].token}").status_code for _ in range(2)] == [200, 200]
    response = anon.get(f"/api/game-sessions/{seats[0].token}", headers={"Origin": GAME_ORIGIN})
    assert response.status_code == 429 and response.json()["code"] == "RATE_LIMITED"
    assert response["Retry-After"] and response["Access-Control-Allow-Origin"] == GAME_ORIGIN


@pytest.mark.parametrize("route", ["players/{player}/status", "players/{player}/heartbeat", "bulk-status"])
def test_game_pages_may_call_the_keyed_routes_from_their_origin_as_the_original_guide_did(game, route):
    room, seats = playing_room()
    path = f"/api/v2/game/rooms/{room.room_code}/" + route.format(player=seats[1].player.pk)
    headers = {"Origin": GAME_ORIGIN, "Access-Control-Request-Method": "POST"}
    preflight = game.options(path, headers={**headers, "Access-Control-Request-Headers": "content-type, x-api-key"})
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == GAME_ORIGIN
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    body = (
        {"players": [{"playerId": str(seats[1].player.pk), "location": "game"}]}
        if route == "bulk-status"
        else {"status": "in_game"}
    )
    response = game.post(path, body, headers={"Origin": GAME_ORIGIN})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == GAME_ORIGIN
