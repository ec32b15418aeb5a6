"""A host whose room was created through the Game API lands in the lobby, seated, from lobbyUrl."""

import re

import pytest

from gameapi.services import api_key_create
from tests.gameapi.client import ApiClient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lobby_url_from_the_api_seats_the_host_in_a_real_browser(visitors, live_server_url):
    raw_key = api_key_create(service_name="browser", scopes=["rooms:write", "rooms:read"]).raw_key
    created = ApiClient(raw_key).post("/rooms", {"hostName": "Api Host"}).json()
    lobby_url = created["host"]["lobbyUrl"].replace("http://testserver", live_server_url)
    (host,) = visitors(1)
    host.page.goto(lobby_url)
    host.page.wait_for_url(re.compile(rf"/rooms/{created['roomCode']}/$"))
    assert host.lobby_data()["me"] == {"playerId": created["host"]["playerId"], "role": "host"}
    assert host.player_row("Api Host").count() == 1
    assert "token=" not in host.page.url
    assert host.csp_violations() == []
