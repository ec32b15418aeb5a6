"""axe-core on every page state, light and dark (issue 22 #6).

axe-core comes from axe-playwright-python (pinned in requirements.txt). It is put into the
page with Playwright's evaluate, which the page's Content-Security-Policy does not govern,
so the pages are checked under their real, strict CSP and no other test is affected.
Each state is checked as the light scheme and again as the dark one; a serious or critical
violation anywhere fails the test, with every finding of the run listed.
"""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect

from demo.quiz_questions import QUESTIONS
from gamebuddies.actors import Actor
from rooms import services
from rooms.models import Room

from .axe_audit import Audit
from .party import DESKTOP, PHONE, connected, seat_players

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def audit():
    return Audit()


def test_home_join_and_error_pages_have_no_serious_violation(visitors, audit):
    phone, desktop = visitors(1, **PHONE)[0], visitors(1, **DESKTOP)[0]
    host = visitors(1)[0]
    code = host.create_room("Maya")

    for visitor, size in ((phone, "phone"), (desktop, "desktop")):
        visitor.page.goto(visitor.base_url + "/")
        audit.check(visitor.page, f"home {size}")
    phone.page.get_by_label("Room code").fill("ZZZZZ9")
    phone.page.locator("#id_join-name").fill("Jonas")
    phone.page.get_by_role("button", name="Join", exact=True).click()
    expect(phone.page.locator("#id_join-code_error")).to_be_visible()
    audit.check(phone.page, "home, wrong code")
    phone.page.locator("#id_create-name").fill("")  # the remembered name was filled in
    phone.page.get_by_role("button", name="Create room").click()
    expect(phone.page.locator("#id_create-name_error")).to_be_visible()
    audit.check(phone.page, "home, create without a name")

    phone.page.goto(f"{phone.base_url}/r/{code}")
    audit.check(phone.page, "join by link")
    phone.page.get_by_label("Your name").fill("")
    phone.page.get_by_role("button", name="Join room").click()
    expect(phone.page.locator("#id_name_error")).to_be_visible()
    audit.check(phone.page, "join by link, no name")

    phone.page.goto(f"{phone.base_url}/r/QQQQQ9")
    expect(phone.page.get_by_role("heading", name="This room isn't available")).to_be_visible()
    audit.check(phone.page, "room missing")
    phone.page.goto(f"{phone.base_url}/no/such/page")
    audit.check(phone.page, "404")

    # Error pages that need a fault to appear: the real templates, served at a URL of the app.
    for template, context in (
        ("errors/429.html", {"retry_after": 37}),
        ("errors/503.html", {"retry_after": 5}),
        ("500.html", {}),
        ("403_csrf.html", {}),
    ):
        html = render_to_string(template, context)
        url = f"{phone.base_url}/__page/{template}"
        phone.page.route(url, lambda route, _request, html=html: route.fulfill(body=html, content_type="text/html"))
        phone.page.goto(url)
        expect(phone.page.locator("h1")).to_be_visible()
        audit.check(phone.page, template)

    audit.assert_clean(expected_states=12)


def test_lobby_states_for_host_and_guest_at_both_sizes_have_no_serious_violation(visitors, demo_games, audit):
    host, guest = visitors(1, **PHONE)[0], visitors(1, **PHONE)[0]
    desktop_guest = visitors(1, **DESKTOP)[0]
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    desktop_guest.join_by_link(code, "Ana")
    seat_players(code, ["Bo", "Cy"])
    for visitor in (host, guest, desktop_guest):
        connected(visitor)
    host.page.get_by_label("Choose a game").select_option("quiz")
    expect(guest.page.locator("#guest-game-name")).to_have_text("Quick Quiz")
    guest.page.get_by_role("button", name="Ready").click()
    expect(host.player_row("Jonas").locator(".ready")).to_have_text("Ready")

    audit.check(host.page, "lobby host phone")
    audit.check(guest.page, "lobby guest phone")
    audit.check(desktop_guest.page, "lobby guest desktop")
    host.page.set_viewport_size(DESKTOP["viewport"])
    audit.check(host.page, "lobby host desktop")
    host.page.get_by_role("button", name="Remove: Bo").click()  # armed, not yet removed
    audit.check(host.page, "lobby host, remove armed")
    host.page.set_viewport_size(PHONE["viewport"])

    guest.page.get_by_role("button", name="Leave room").click()
    expect(guest.page.get_by_role("dialog")).to_be_visible()
    audit.check(guest.page, "leave dialog")
    guest.page.get_by_role("button", name="Stay").click()

    # A game running: the late joiner's view, then the ends of a seat.
    host.page.get_by_role("button", name="Start game").click()
    host.page.wait_for_url(re.compile(r"/games/quiz/"))
    late, later = visitors(1, **PHONE)[0], visitors(1, **DESKTOP)[0]
    late.page.goto(f"{late.base_url}/r/{code}")
    audit.check(late.page, "join page, game running")
    late.page.get_by_label("Your name").fill("Dee")
    late.page.get_by_role("button", name="Join room").click()
    later.join_by_link(code, "Eve")
    connected(late)
    connected(later)
    audit.check(late.page, "lobby, game running (late joiner)")

    room = Room.objects.get(room_code=code)
    dee = room.members.get(player__display_name="Dee")
    services.room_leave(
        room=room, player_id=dee.player_id, actor=Actor.player(player_id=dee.player_id, room_id=room.pk)
    )
    expect(late.page.locator("#ended")).to_be_visible()
    audit.check(late.page, "ended: left")
    services.room_close(room=room, actor=Actor.system("tests"))
    expect(later.page.locator("#ended")).to_be_visible()
    audit.check(later.page, "ended: room closed")

    audit.assert_clean(expected_states=10)


def _answer(page, *, right: bool) -> None:
    expect(page.locator("#choices button:enabled")).to_have_count(4)
    text = page.locator("#question-text").inner_text()
    correct = next(a for q, _, a in QUESTIONS if q == text)
    page.locator(f'#choices button[data-choice="{correct if right else (correct + 1) % 4}"]').click()
    expect(page.locator("#feedback")).to_have_text(re.compile("Right!" if right else "Not quite"))


def _start(visitors, game: str, rounds: int):
    host, guest = visitors(1, **DESKTOP)[0], visitors(1, **PHONE)[0]
    code = host.create_room("Maya")
    connected(host)
    guest.join_by_link(code, "Jonas")
    connected(guest)
    host.page.get_by_label("Choose a game").select_option(game)
    rounds_input = host.page.get_by_label("Rounds")
    rounds_input.fill(str(rounds))
    rounds_input.press("Tab")
    for _ in range(50):
        if Room.objects.get(room_code=code, status="lobby").game_settings == {"rounds": rounds}:
            break
        host.page.wait_for_timeout(100)
    host.page.get_by_role("button", name="Start game").click()
    for visitor in (host, guest):
        visitor.page.wait_for_url(re.compile(rf"/games/{game}/\?"))
        expect(visitor.page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))
    return host, guest, code


def test_quiz_screens_have_no_serious_violation(visitors, demo_games, audit):
    host, guest, code = _start(visitors, "quiz", rounds=2)
    expect(guest.page.locator("#choices button:enabled")).to_have_count(4)
    audit.check(guest.page, "quiz question phone")
    audit.check(host.page, "quiz question desktop")
    _answer(host.page, right=True)
    audit.check(host.page, "quiz feedback")
    guest.context.set_offline(True)
    guest.page.locator('#choices button[data-choice="0"]').click()
    expect(guest.page.locator("#net-problem")).to_be_visible()
    audit.check(guest.page, "quiz, connection lost")
    guest.context.set_offline(False)
    expect(guest.page.locator("#net-problem")).to_be_hidden(timeout=10_000)
    _answer(host.page, right=True)
    expect(host.page.locator("#question-text")).to_contain_text("Finished")
    audit.check(host.page, "quiz finished, waiting")
    _answer(guest.page, right=False)
    expect(host.page.locator("#final")).to_be_visible()
    audit.check(host.page, "quiz results")
    host.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    connected(host)
    expect(host.page.locator("#last-result")).to_be_visible()
    audit.check(host.page, "lobby with the last game's result")
    audit.assert_clean(expected_states=7)


def test_reaction_screens_and_the_launch_error_have_no_serious_violation(visitors, demo_games, audit):
    host, guest, _ = _start(visitors, "reaction", rounds=1)
    pad = host.page.locator("#pad")
    expect(pad).to_have_class(re.compile(r"\bpad--intro\b"))
    audit.check(host.page, "reaction intro")
    audit.check(guest.page, "reaction intro phone")
    pad.click()
    expect(pad).to_have_class(re.compile(r"\bpad--wait\b"))
    audit.check(host.page, "reaction wait")
    expect(pad).to_have_class(re.compile(r"\bpad--go\b"), timeout=10_000)
    audit.check(host.page, "reaction go")
    expect(pad).to_have_class(re.compile(r"\bpad--(miss|done)\b"), timeout=10_000)
    audit.check(host.page, "reaction after the round")
    guest.page.locator("#pad").click()
    guest.page.locator("#pad").click()  # too soon: a false start
    expect(guest.page.locator("#pad")).to_have_class(re.compile(r"\bpad--false\b"))
    audit.check(guest.page, "reaction false start")
    expect(host.page.locator("#final")).to_be_visible(timeout=10_000)
    audit.check(host.page, "reaction results")

    launcher = visitors(1, **PHONE)[0]
    launcher.page.goto(launcher.base_url + "/games/reaction/")
    expect(launcher.page.locator("#launch-error")).to_be_visible()
    audit.check(launcher.page, "game page without launch parameters")
    audit.assert_clean(expected_states=8)


def test_room_changes_are_announced_politely_and_the_focus_ring_has_two_tones(visitors):
    host, guest = visitors(2, **DESKTOP)
    code = host.create_room("Maya")
    connected(host)
    announcer = host.page.locator("#room-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    guest.join_by_link(code, "Jonas")
    expect(announcer).to_have_text("Jonas joined.")
    connected(guest)
    guest.page.get_by_role("button", name="Ready").click()
    expect(announcer).to_have_text("Jonas is ready.")
    guest.page.close()  # the lobby page goes away: Jonas loses his connection
    expect(announcer).to_have_text("Jonas lost their connection.", timeout=10_000)

    # Keyboard focus: a light ring inside a dark one (and the reverse in dark mode).
    host.page.locator("#copy-link").focus()
    host.page.keyboard.press("Shift+Tab")
    host.page.keyboard.press("Tab")
    shadow = host.page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert shadow.count("rgb(") == 2, shadow
    assert "rgb(255, 255, 255)" in shadow and "rgb(27, 20, 100)" in shadow
