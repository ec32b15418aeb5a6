"""The player journey in a real browser against a real server (issues 5 and 12).

Two or three people, each with their own browser context (own cookies), on a live
Uvicorn server over the test database.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from players.selectors import session_get_active
from rooms.models import Game, Room, RoomMember

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The promise: a change on one page shows on the others within a second.
LIVE_UPDATE_MS = 1000
XSS_NAME = "<svg onload=alert(1)>"


@pytest.fixture
def launch_game(live_server_url) -> Game:
    # Launches somewhere real on the live server, so the browser lands on a page we can read.
    return Game.objects.create(
        slug="launch-test",
        name="Launch Test",
        launch_url=f"{live_server_url}/healthz?from=catalog",
        min_players=2,
        max_players=4,
        settings_schema={"rounds": {"type": "int", "min": 1, "max": 5, "default": 2, "label": "Rounds"}},
    )


def connected(visitor):
    expect(visitor.page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))


def test_create_join_ready_start_and_return_with_no_csp_violation(visitors, launch_game, live_server_url):
    host, guest = visitors(2)
    code = host.create_room("Maya")
    connected(host)
    guest.join_by_code(code, "Jonas")
    connected(guest)

    # Each sees the other.
    expect(host.player_row("Jonas")).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(guest.player_row("Maya")).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(guest.player_row("Maya").locator(".badge--host")).to_have_text("Host")

    # The guest toggles Ready from the keyboard; the host sees it.
    ready = guest.page.get_by_role("button", name="Ready")
    ready.focus()
    guest.page.keyboard.press("Enter")
    expect(ready).to_have_attribute("aria-pressed", "true")
    expect(host.player_row("Jonas").locator(".ready")).to_have_text("Ready", timeout=LIVE_UPDATE_MS)

    # Spectator-free room of two: the host picks the game and starts it.
    expect(guest.page.locator("#game-select")).to_be_hidden()
    host.page.get_by_label("Choose a game").select_option("launch-test")
    expect(host.page.get_by_label("Rounds")).to_have_value("2")
    expect(guest.page.locator("#guest-game-name")).to_have_text("Launch Test", timeout=LIVE_UPDATE_MS)
    start = host.page.get_by_role("button", name="Start game")
    expect(start).to_be_enabled()
    ids = {visitor: visitor.lobby_data()["me"]["playerId"] for visitor in (host, guest)}
    start.click()

    # Both land on the game's launch URL with their own parameters.
    for visitor, role in ((host, "gm"), (guest, "player")):  # `gm`: the original GameBuddies' host role
        visitor.page.wait_for_url(lambda url: url.startswith(f"{live_server_url}/healthz"))
        params = {k: v[0] for k, v in parse_qs(urlsplit(visitor.page.url).query).items()}
        assert params["from"] == "catalog"
        assert params["roomCode"] == code
        assert params["playerId"] == ids[visitor]
        assert params["role"] == role
        assert params["returnUrl"] == f"{live_server_url}/rooms/{code}/"
        assert str(session_get_active(token=params["sessionToken"]).player_id) == ids[visitor]

    # The return link seats each of them back in the lobby, as the same player.
    for visitor, name in ((host, "Maya"), (guest, "Jonas")):
        returned = parse_qs(urlsplit(visitor.page.url).query)["returnUrl"][0]
        visitor.page.goto(returned)
        connected(visitor)
        assert visitor.lobby_data()["me"]["playerId"] == ids[visitor]
        expect(visitor.page.locator("#players li.player--me .player__name")).to_have_text(name)
        expect(visitor.page.locator("#game-banner")).to_contain_text("Launch Test is in progress")
    seats = RoomMember.objects.filter(room__room_code=code, room__status="in_game")
    assert sorted(seats.values_list("current_location", flat=True)) == ["lobby", "lobby"]

    for visitor in (host, guest):
        assert visitor.csp_violations() == [], visitor.console
        assert visitor.errors == []


def test_csp_violations_would_be_noticed(visitors):
    # Guards the test above: an inline script on our pages is blocked and reported.
    (visitor,) = visitors(1)
    visitor.page.goto(visitor.base_url + "/")
    visitor.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.append(s); }"
    )
    visitor.page.wait_for_timeout(100)
    assert visitor.page.evaluate("window.ran") is None
    assert visitor.csp_violations()


def test_a_page_that_lost_the_network_shows_the_true_room_when_it_comes_back(visitors, launch_game):
    host, guest = visitors(2)
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    connected(host)
    connected(guest)

    guest.context.set_offline(True)
    expect(guest.page.locator("#connection")).to_have_class(re.compile(r"\bconn--offline\b"))

    # The room changes while the guest is away.
    host.page.get_by_role("button", name="Ready").click()
    host.page.get_by_label("Choose a game").select_option("launch-test")
    expect(host.player_row("Maya").locator(".ready")).to_have_text("Ready")
    room = Room.objects.get(room_code=code, status="lobby")
    expect(host.page.locator("#game-select")).to_have_value("launch-test")
    _wait_for(lambda: Room.objects.get(pk=room.pk).current_game_id == "launch-test")
    # Proof the cut is real: the guest's page has not heard of it.
    expect(guest.player_row("Maya").locator(".ready")).to_have_text("Not ready")
    expect(guest.page.locator("#guest-game-name")).not_to_have_text("Launch Test")

    guest.context.set_offline(False)
    expect(guest.player_row("Maya").locator(".ready")).to_have_text("Ready", timeout=LIVE_UPDATE_MS)
    expect(guest.page.locator("#guest-game-name")).to_have_text("Launch Test", timeout=LIVE_UPDATE_MS)
    connected(guest)
    # Nobody reloaded: the page is the one loaded before the cut.
    assert guest.page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_hostile_name_is_shown_as_text_on_every_other_page(visitors):
    host, attacker, newcomer = visitors(3)
    code = host.create_room("Maya")
    connected(host)
    attacker.join_by_link(code, XSS_NAME)

    expect(host.player_row(XSS_NAME)).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(host.player_row(XSS_NAME).locator(".player__name")).to_have_text(XSS_NAME)
    host.page.reload()  # the server-rendered list too
    expect(host.player_row(XSS_NAME).locator(".player__name")).to_have_text(XSS_NAME)
    newcomer.page.goto(f"{newcomer.base_url}/r/{code}")  # the join page lists who is there
    expect(newcomer.page.locator(".name-chip", has_text=XSS_NAME)).to_be_visible()

    for visitor in (host, attacker, newcomer):
        # No svg but the lobby's own invite QR code (server-rendered), and nothing with an onload.
        assert visitor.page.locator("svg:not(.qr__svg)").count() == 0
        assert visitor.page.locator("[onload]").count() == 0
        assert visitor.dialogs == []
        assert visitor.csp_violations() == []


def test_lobby_fits_a_phone_and_spectators_act_on_nothing(visitors):
    (host,) = visitors(1)
    (phone,) = visitors(1, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    code = host.create_room("Maya")
    phone.page.goto(f"{phone.base_url}/r/{code}")
    phone.page.get_by_label("Your name").fill("Watcher")
    phone.page.get_by_label("Just watch").check()
    phone.page.get_by_role("button", name="Join room").click()
    connected(phone)
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(phone.player_row("Watcher").locator(".badge--spectator")).to_be_visible()
    expect(phone.page.get_by_role("button", name="Ready")).to_be_hidden()
    expect(phone.page.locator("#game-select")).to_be_hidden()
    expect(phone.page.locator("#players button")).to_have_count(0)
    expect(host.player_row("Watcher")).to_be_visible(timeout=LIVE_UPDATE_MS)


def _wait_for(condition, attempts: int = 50):
    import time

    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met")


def test_host_hands_over_the_host_role_and_the_new_host_removes_a_player(visitors):
    host, second, third = visitors(3)
    code = host.create_room("Maya")
    second.join_by_link(code, "Jonas")
    third.join_by_link(code, "Priya")
    for visitor in (host, second, third):
        connected(visitor)
    expect(second.page.locator("#players button")).to_have_count(0)  # not the host: no controls

    host.page.get_by_role("button", name="Make host: Jonas").click()
    expect(second.player_row("Jonas").locator(".badge--host")).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(second.page.locator("#game-select")).to_be_visible()
    expect(host.page.locator("#players button")).to_have_count(0)

    remove = second.page.get_by_role("button", name="Remove: Priya")
    remove.click()  # the first press only arms it
    confirm = second.page.get_by_role("button", name="Confirm remove: Priya")
    expect(confirm).to_be_focused()
    expect(host.player_row("Priya")).to_be_visible()
    confirm.click()
    expect(host.player_row("Priya")).to_have_count(0, timeout=LIVE_UPDATE_MS)
    expect(third.page.locator("#ended")).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(third.page.locator("#ended-text")).to_contain_text("removed you")
    third.page.goto(f"{third.base_url}/rooms/{code}/")  # the old cookie no longer seats her
    expect(third.page.get_by_role("button", name="Join room")).to_be_visible()
