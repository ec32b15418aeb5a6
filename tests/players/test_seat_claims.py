"""Seat claim links (issue 18 #1): one-time claim codes, never a token in the link, and a seated
browser is never switched to another seat without being asked."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from gameapi.services import api_key_create
from gamebuddies.errors import InvalidSessionError
from players import cookies
from players.claims import claim_issue
from players.models import SeatClaim
from players.selectors import session_get_active
from rooms import services
from rooms.models import RoomMember
from tests.factories import SYSTEM
from tests.gameapi.client import ApiClient
from tests.gameapi.fixtures import _request_log_flushed_by_tests  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_request_log_flushed_by_tests")]


def api_created_room() -> dict:
    raw_key = api_key_create(service_name="claims", scopes=["rooms:write", "rooms:read"]).raw_key
    response = ApiClient(raw_key).post("/rooms", {"hostName": "Api Host"})
    assert response.status_code == 201
    return response.json()


def claim_code_of(lobby_url: str) -> str:
    fragment = urlsplit(lobby_url).fragment
    assert fragment.startswith("claim=")
    return fragment.removeprefix("claim=")


def claim(client: Client, code: str, claim_code: str, **extra):
    return client.post(f"/rooms/{code}/claim", {"claim": claim_code, **extra})


def seat_token(client: Client, code: str) -> str | None:
    return cookies.decode(client.cookies.get("gb_player").value if "gb_player" in client.cookies else None).get(code)


def seated_player_id(client: Client, code: str) -> str | None:
    token = seat_token(client, code)
    if token is None:
        return None
    try:
        return str(session_get_active(token=token).player_id)
    except InvalidSessionError:
        return None


def test_the_api_lobby_url_holds_a_one_time_claim_code_stored_hashed_not_the_session_token():
    created = api_created_room()
    lobby_url = created["host"]["lobbyUrl"]
    code = claim_code_of(lobby_url)
    assert created["host"]["sessionToken"] not in lobby_url
    assert code.startswith("gbc_")
    assert not SeatClaim.objects.filter(code_hash=code).exists()  # only its hash is kept
    assert SeatClaim.objects.get().expires_at <= timezone.now() + timedelta(minutes=10, seconds=1)


def test_the_lobby_url_seats_one_browser_with_a_fresh_token_and_the_next_two_get_nothing():
    created = api_created_room()
    room_code, code = created["roomCode"], claim_code_of(created["host"]["lobbyUrl"])
    browsers = [Client(), Client(), Client()]
    answers = [claim(browser, room_code, code) for browser in browsers]
    assert [a.status_code for a in answers] == [302, 403, 403]
    assert seated_player_id(browsers[0], room_code) == created["host"]["playerId"]
    assert seat_token(browsers[0], room_code) != created["host"]["sessionToken"]  # fresh, not the API's
    with pytest.raises(InvalidSessionError):
        session_get_active(token=created["host"]["sessionToken"])  # replaced by the claimed one
    for late in browsers[1:]:
        assert seated_player_id(late, room_code) is None
        assert late.get(f"/rooms/{room_code}/").status_code == 302  # sent to the join page


def test_a_link_carrying_a_raw_session_token_swaps_no_seat():
    """The old attack: a player sends the host a claim link with the player's own token."""
    host = Client()
    assert host.post("/rooms/new", {"create-name": "Host"}).status_code == 302
    room_code = next(iter(cookies.decode(host.cookies["gb_player"].value)))
    host_id = seated_player_id(host, room_code)
    attacker = services.room_join(room=room_code, display_name="Mallory", actor=SYSTEM)
    response = host.post(f"/rooms/{room_code}/claim", {"token": attacker.token, "claim": attacker.token})
    assert response.status_code == 302 and response["Location"] == f"/rooms/{room_code}/"
    assert seated_player_id(host, room_code) == host_id  # the host keeps the host's seat
    session_get_active(token=attacker.token)  # and nothing happened to the attacker's seat either


def test_a_seated_browser_is_asked_and_keeps_its_seat_unless_it_chooses_to_switch():
    created = api_created_room()
    room_code = created["roomCode"]
    other = Client()
    assert other.post(f"/r/{room_code}", {"name": "Bea"}).status_code == 302
    bea = seated_player_id(other, room_code)
    code = claim_code_of(created["host"]["lobbyUrl"])

    asked = claim(other, room_code, code)
    assert asked.status_code == 409
    html = asked.content.decode()
    assert "already in this room as <strong>Bea</strong>" in html and 'value="keep"' in html
    assert seated_player_id(other, room_code) == bea

    kept = claim(other, room_code, code, choice="keep")
    assert kept.status_code == 302 and seated_player_id(other, room_code) == bea
    assert not SeatClaim.objects.get().used_at  # keeping does not use the link up

    switched = claim(other, room_code, code, choice="switch")
    assert switched.status_code == 302
    assert seated_player_id(other, room_code) == created["host"]["playerId"]


def test_an_expired_claim_code_or_one_for_a_removed_seat_seats_nobody():
    seat = services.room_create(host_name="Host", actor=SYSTEM)
    guest = services.room_join(room=seat.room, display_name="Guest", actor=SYSTEM)
    room_code = seat.room.room_code
    expired = claim_issue(player=seat.player, room=seat.room)
    SeatClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = claim_issue(player=guest.player, room=seat.room)
    RoomMember.objects.filter(player=guest.player).delete()
    for code in (expired, gone):
        browser = Client()
        assert claim(browser, room_code, code).status_code == 403
        assert seated_player_id(browser, room_code) is None


def test_a_claim_code_works_only_in_its_own_room():
    mine = services.room_create(host_name="Mine", actor=SYSTEM)
    other = services.room_create(host_name="Other", actor=SYSTEM)
    code = claim_issue(player=other.player, room=other.room)
    browser = Client()
    assert claim(browser, mine.room.room_code, code).status_code == 403
    assert claim(browser, other.room.room_code, code).status_code == 302
