"""The launch URL as the original games read it, and their return link seating players back."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from players import cookies
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from tests.factories import SYSTEM

from .original_games import playing_room

pytestmark = pytest.mark.django_db


def seated_browser(room, seat) -> Client:
    browser = Client()
    browser.cookies[settings.PLAYER_COOKIE_NAME] = cookies.encode({room.room_code: seat.token})
    return browser


def launch_params(browser, room) -> dict:
    response = browser.get(f"/rooms/{room.room_code}/play")
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def test_launch_url_carries_session_and_role_gm_for_the_host_only(quiz_game):
    room, seats = playing_room()
    host = launch_params(seated_browser(room, seats[0]), room)
    assert host["session"] == host["sessionToken"] == seats[0].token
    assert (host["role"], host["isHost"], host["name"]) == ("gm", "true", "Host")
    assert (host["room"], host["roomCode"], host["gameType"]) == (room.room_code, room.room_code, "quiz")
    guest = launch_params(seated_browser(room, seats[1]), room)
    assert (guest["session"], guest["role"], guest["isHost"]) == (seats[1].token, "player", "false")
    assert guest["playerId"] == str(seats[1].player.pk) and guest["returnUrl"].endswith(f"/rooms/{room.room_code}/")


def test_launch_session_is_the_token_the_session_lookup_knows(quiz_game):
    room, seats = playing_room()
    session = launch_params(seated_browser(room, seats[1]), room)["session"]
    body = Client().get(f"/api/game-sessions/{session}").json()
    assert body["playerId"] == str(seats[1].player.pk) and body["session"]["roomCode"] == room.room_code


def rejoin_link(room, name: str) -> str:
    return f"/?rejoin={room.room_code}&name={name}&fromGame=true"


def test_return_link_seats_a_player_with_their_cookie_back_in_the_lobby_for_everyone(quiz_game):
    room, seats = playing_room()
    before = Room.objects.get(pk=room.pk).version
    response = seated_browser(room, seats[1]).get(rejoin_link(room, "Player 1"))
    assert response.status_code == 302 and response["Location"] == f"/rooms/{room.room_code}/"
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    assert member.current_location == "lobby"
    event = RoomEvent.objects.filter(room=room).latest("room_version")
    assert event.event_type == "player_status_changed" and event.room_version == before + 1


def test_return_link_without_the_cookie_seats_by_name_just_after_the_game(quiz_game):
    room, seats = playing_room()
    services.game_end(room=room.pk, actor=SYSTEM)
    services.update_player_status(room=room.pk, player_id=seats[1].player.pk, status="disconnected", actor=SYSTEM)
    browser = Client()
    response = browser.get(rejoin_link(room, "player 1"))
    assert response["Location"] == f"/rooms/{room.room_code}/"
    page = browser.get(response["Location"])
    assert page.status_code == 200
    token = cookies.decode(browser.cookies[settings.PLAYER_COOKIE_NAME].value)[room.room_code]
    assert token != seats[1].token
    assert Client().get(f"/api/game-sessions/{token}").json()["playerId"] == str(seats[1].player.pk)


def test_return_link_never_takes_the_seat_of_a_player_present_in_the_lobby(quiz_game):
    room, seats = playing_room()
    services.game_end(room=room.pk, actor=SYSTEM)  # everyone is back in the lobby
    browser = Client()
    response = browser.get(rejoin_link(room, "Player 1"))
    assert response["Location"] == f"/r/{room.room_code}"
    assert settings.PLAYER_COOKIE_NAME not in browser.cookies


def test_return_link_by_name_expires_after_the_grace(quiz_game):
    room, seats = playing_room()
    services.game_end(room=room.pk, actor=SYSTEM)
    services.update_player_status(room=room.pk, player_id=seats[1].player.pk, status="disconnected", actor=SYSTEM)
    old = (timezone.now() - timedelta(minutes=10)).isoformat()
    Room.objects.filter(pk=room.pk).update(metadata={**Room.objects.get(pk=room.pk).metadata, "gameEndedAt": old})
    assert Client().get(rejoin_link(room, "Player 1"))["Location"] == f"/r/{room.room_code}"


def test_return_link_for_an_unknown_room_shows_the_missing_room_page(db):
    response = Client().get("/?rejoin=QQQQQQ&name=Mia&fromGame=true")
    assert response.status_code == 404


def test_home_without_rejoin_is_the_plain_home_page(db):
    assert Client().get("/?fromGame=true").status_code == 200
