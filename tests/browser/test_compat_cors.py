"""A game page on a catalog game's origin calls the compat routes with `credentials: "include"`
from a real browser (issue 20): the session lookup (simple GET) and the external return (JSON
POST, so preflighted) are readable there, and not from a foreign origin."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from rooms import services
from rooms.models import Game, RoomMember
from tests.factories import SYSTEM, make_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALL = """async ([url, init]) => {
  try {
    const response = await fetch(url, {credentials: "include", ...init});
    return {status: response.status, body: await response.json()};
  } catch (error) {
    return {blocked: String(error)};
  }
}"""


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium as tests/browser/conftest.py starts it, without Local Network Access checks:
    the game pages here are served by the browser itself, which Chromium counts as a public site
    calling a loopback server. In production both sides are public sites; CORS is what is tested."""
    from playwright.sync_api import sync_playwright

    from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            args = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def game_page(visitors, origin: str):
    """A page served at `origin` by the browser itself (*.localhost is loopback, no real server)."""
    (visitor,) = visitors(1)
    visitor.page.route(f"{origin}/**", lambda route: route.fulfill(body="<!doctype html><title>game</title>"))
    visitor.page.goto(f"{origin}/play")
    return visitor


def test_catalog_game_page_reads_the_session_and_returns_its_players(visitors, live_server_url):
    port = urlsplit(live_server_url).port
    game_origin = f"http://game.localhost:{port}"
    Game.objects.create(slug="original", name="Original", launch_url=f"{game_origin}/play", min_players=2)
    room, seats = make_room(players=2, game_slug="original")
    services.game_start(room=room.pk, actor=SYSTEM)
    page = game_page(visitors, game_origin).page

    lookup = page.evaluate(CALL, [f"{live_server_url}/api/game-sessions/{seats[0].token}", {}])
    assert lookup.get("status") == 200, lookup
    assert lookup["body"]["session"]["isHost"] is True and lookup["body"]["roomCode"] == room.room_code

    init = {
        "method": "POST",
        "headers": {"Content-Type": "application/json"},
        "body": f'{{"roomCode": "{room.room_code}", "returnAll": true, "sessionToken": "{seats[0].token}"}}',
    }
    returned = page.evaluate(CALL, [f"{live_server_url}/api/v2/external/return", init])
    assert returned["status"] == 200, returned
    assert returned["body"]["playersReturned"] == 2
    assert set(RoomMember.objects.filter(room=room).values_list("current_location", flat=True)) == {"lobby"}


def test_a_foreign_origin_cannot_read_the_session(visitors, live_server_url):
    port = urlsplit(live_server_url).port
    Game.objects.create(slug="original", name="Original", launch_url=f"http://game.localhost:{port}/play")
    room, seats = make_room(players=2, game_slug="original")
    visitor = game_page(visitors, f"http://evil.localhost:{port}")
    lookup = visitor.page.evaluate(CALL, [f"{live_server_url}/api/game-sessions/{seats[0].token}", {}])
    assert "blocked" in lookup, lookup
    assert any("Access-Control-Allow-Origin" in line for line in visitor.console), visitor.console  # by CORS
