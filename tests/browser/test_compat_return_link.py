"""The original GameBuddies' return link in a real browser: `/?rejoin=<CODE>&name=<NAME>&fromGame=true`
lands a player coming back from a game seated in the lobby, as the same player (issue 20)."""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import expect

from gameapi.services import api_key_create
from rooms import services
from rooms.models import Game, RoomMember
from tests.factories import SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def launch_game(live_server_url) -> Game:
    # Launches onto a page of the live server, so the browser lands somewhere real.
    return Game.objects.create(
        slug="compat-launch",
        name="Original Game",
        launch_url=f"{live_server_url}/healthz?from=original",
        min_players=2,
        max_players=4,
    )


def eventually(check, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def seat_of(code: str, name: str) -> RoomMember:
    return RoomMember.objects.select_related("player").get(room__room_code=code, player__display_name=name)


def test_return_link_seats_players_back_in_the_lobby_with_and_without_their_cookie(
    visitors, launch_game, live_server_url
):
    host, guest = visitors(2)
    code = host.create_room("Maya")
    guest.join_by_code(code, "Jonas")
    for visitor in (host, guest):
        expect(visitor.page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))
    room = seat_of(code, "Maya").room
    services.game_select(room=room.pk, game_slug=launch_game.slug, settings={}, actor=SYSTEM)
    # Started on the server itself, so the lobby pages hear of it and follow into the game.
    key = api_key_create(service_name="original-game", scopes=["state:write"]).raw_key
    started = requests.post(f"{live_server_url}/api/v2/rooms/{code}/game-start", json={}, headers={"X-API-Key": key})
    assert started.status_code == 200, started.text
    for visitor in (host, guest):
        visitor.page.wait_for_url(lambda url: url.startswith(f"{live_server_url}/healthz"))
        assert "session=" in visitor.page.url
    guest_id = str(seat_of(code, "Jonas").player_id)

    # The game ends and sends the guest back with the original's link; their cookie seats them.
    guest.page.goto(f"{live_server_url}/?rejoin={code}&name=Jonas&fromGame=true")
    guest.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    assert guest.lobby_data()["me"]["playerId"] == guest_id
    expect(guest.page.locator("#players li.player--me .player__name")).to_have_text("Jonas")
    assert seat_of(code, "Jonas").current_location == "lobby"

    # The host's game ends; their browser lost its cookie (another device): seated by name, same player.
    services.game_end(room=room.pk, actor=SYSTEM)
    services.update_player_status(
        room=room.pk, player_id=seat_of(code, "Maya").player_id, status="disconnected", actor=SYSTEM
    )
    (other_device,) = visitors(1)
    other_device.page.goto(f"{live_server_url}/?rejoin={code}&name=maya&fromGame=true")
    other_device.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    assert other_device.lobby_data()["me"] == {"playerId": str(seat_of(code, "Maya").player_id), "role": "host"}
    assert eventually(lambda: seat_of(code, "Maya").current_location == "lobby")  # its lobby socket seated it
    for visitor in (guest, other_device):
        assert visitor.csp_violations() == [], visitor.console
