"""Issue 18 #1 in a real browser: a claim link for another seat never silently takes over a
browser that is already seated in the room; keeping the seat is the default (Enter)."""

import re

import pytest

from gameapi.services import api_key_create
from tests.gameapi.client import ApiClient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_seated_browser_is_asked_and_enter_keeps_its_seat(visitors, live_server_url):
    raw_key = api_key_create(service_name="browser", scopes=["rooms:write", "rooms:read"]).raw_key
    created = ApiClient(raw_key).post("/rooms", {"hostName": "Api Host"}).json()
    code = created["roomCode"]
    lobby_url = created["host"]["lobbyUrl"].replace("http://testserver", live_server_url)
    (bea,) = visitors(1)
    bea.join_by_link(code, "Bea")
    me = bea.lobby_data()["me"]["playerId"]

    bea.page.goto(lobby_url)
    bea.page.get_by_text("You are already in this room as").wait_for()
    assert "claim=" not in bea.page.url
    bea.page.keyboard.press("Enter")  # the focused, default answer
    bea.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    assert bea.lobby_data()["me"]["playerId"] == me

    bea.page.goto(lobby_url)  # the link was not used up by asking: switching is still possible
    bea.page.get_by_role("button", name="Switch to Api Host's seat").click()
    bea.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    assert bea.lobby_data()["me"] == {"playerId": created["host"]["playerId"], "role": "host"}
    assert bea.csp_violations() == []
