"""Games sending players back: external return (both paths, with and without a key), polling, /lobby/<CODE>."""

from __future__ import annotations

import pytest
from django.test import Client

from players.models import SeatClaim
from rooms.models import Room, RoomMember

from .original_games import GAME_ORIGIN, playing_room

pytestmark = pytest.mark.django_db


def locations(room) -> set[str]:
    return set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True))


@pytest.mark.parametrize("path", ["/api/v2/external/return", "/api/v2/game/external/return"])
def test_external_return_with_the_games_key_returns_everyone(game, path):
    room, _ = playing_room()
    body = {"roomCode": room.room_code, "returnAll": True, "reason": "game_over", "metadata": {"winner": "Host"}}
    response = game.post(path, body)
    assert response.status_code == 200, response.content
    ack = response.json()
    assert (ack["success"], ack["roomCode"], ack["playersReturned"]) == (True, room.room_code, 3)
    assert ack["returnUrl"] == f"http://testserver/rooms/{room.room_code}/"
    assert ack["pollEndpoint"] == f"/api/v2/rooms/{room.room_code}/return-status"
    assert ack["message"] and ack["sessionToken"] is None and ack["pendingReturn"] is False
    assert locations(room) == {"lobby"} and Room.objects.get(pk=room.pk).status == "lobby"


def test_external_return_of_one_named_player_gives_a_link_that_seats_them(game):
    room, seats = playing_room()
    body = {"roomCode": room.room_code, "returnAll": False, "playerId": str(seats[1].player.pk)}
    ack = game.post("/api/v2/external/return", body).json()
    assert ack["playersReturned"] == 1
    assert RoomMember.objects.get(pk=seats[1].member.pk).current_location == "lobby"
    assert RoomMember.objects.get(pk=seats[2].member.pk).current_location == "game"
    assert "#claim=" in ack["returnUrl"] and SeatClaim.objects.filter(player=seats[1].player).exists()


def test_without_a_key_the_hosts_session_returns_everyone(anon):
    room, seats = playing_room()
    body = {"roomCode": room.room_code, "returnAll": True, "sessionToken": seats[0].token}
    response = anon.post("/api/v2/external/return", body, headers={"Origin": GAME_ORIGIN})
    assert response.status_code == 200, response.content
    assert response.json()["playersReturned"] == 3 and locations(room) == {"lobby"}
    assert response["Access-Control-Allow-Origin"] == GAME_ORIGIN


def test_without_a_key_a_players_session_returns_only_that_player(anon):
    room, seats = playing_room()
    body = {"roomCode": room.room_code, "returnAll": True, "sessionToken": seats[1].token}
    ack = anon.post("/api/v2/game/external/return", body).json()
    assert ack["playersReturned"] == 1
    assert RoomMember.objects.get(pk=seats[1].member.pk).current_location == "lobby"
    assert RoomMember.objects.get(pk=seats[0].member.pk).current_location == "game"


def test_without_a_key_or_session_nothing_happens(anon):
    room, _ = playing_room()
    response = anon.post("/api/v2/external/return", {"roomCode": room.room_code})
    assert response.status_code == 401 and response.json()["success"] is False
    assert locations(room) == {"game"}


def test_a_session_of_another_room_is_refused(anon):
    room, _ = playing_room()
    other, other_seats = playing_room()
    body = {"roomCode": room.room_code, "sessionToken": other_seats[0].token}
    response = anon.post("/api/v2/external/return", body)
    assert response.status_code == 401 and response.json()["code"] == "INVALID_SESSION"
    assert locations(room) == {"game"}


def test_return_status_tells_polling_games_once_the_room_left_the_game(game, anon):
    room, _ = playing_room()
    path = f"/api/v2/rooms/{room.room_code}/return-status"
    assert anon.get(path).json()["shouldReturn"] is False
    game.post(f"/api/v2/game/rooms/{room.room_code}/return-all")
    body = anon.get(path).json()
    assert body["shouldReturn"] is True and body["returnUrl"].endswith(f"/rooms/{room.room_code}/")
    missing = anon.get("/api/v2/rooms/QQQQQQ/return-status")
    assert missing.status_code == 404 and missing.json()["shouldReturn"] is False


def test_lobby_fallback_leads_to_the_lobby_and_its_session_link_seats_a_new_browser(anon):
    room, seats = playing_room()
    response = Client().get(f"/lobby/{room.room_code}")
    assert response.status_code == 302 and response["Location"] == f"http://testserver/rooms/{room.room_code}/"
    response = Client().get(f"/lobby/{room.room_code.lower()}?session={seats[1].token}")
    location = response["Location"]
    assert location.startswith(f"http://testserver/rooms/{room.room_code}/claim#claim=")
    assert seats[1].token not in location
    browser = Client()
    claimed = browser.post(f"/rooms/{room.room_code}/claim", {"claim": location.split("#claim=")[1]})
    assert claimed.status_code == 302 and claimed["Location"] == f"/rooms/{room.room_code}/"
    assert browser.get(f"/rooms/{room.room_code}/").status_code == 200


def test_lobby_fallback_ignores_a_session_of_another_room(anon):
    room, _ = playing_room()
    _, other_seats = playing_room()
    response = Client().get(f"/lobby/{room.room_code}?session={other_seats[0].token}")
    assert response["Location"] == f"http://testserver/rooms/{room.room_code}/"
