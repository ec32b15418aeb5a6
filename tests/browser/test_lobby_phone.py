"""The lobby on a phone (issue 22 #2, #3, #5, #8): one-thumb Ready and Start, join first,
errors that take focus, a Leave that asks, end screens that say what happened."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gamebuddies.actors import Actor
from rooms import services
from rooms.models import Game, Room, RoomMember

from .party import PHONE, connected, on_screen_without_scrolling, seat_players

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_GAME = {
    "summary": "Maya wins Quick Quiz (2 900 pts · 3/3 right).",
    "ranking": [
        {"rank": i + 1, "name": name, "display": f"{900 - i * 100} pts · 1/3 right"}
        for i, name in enumerate(["Maya", "Jonas", "Ana", "Bo", "Cy", "Di", "Ed", "Flo"])
    ],
}


def test_in_a_room_of_eight_ready_and_start_are_on_a_phone_screen_without_scrolling(visitors, live_server_url):
    Game.objects.create(
        slug="party-test", name="Party Test", launch_url=f"{live_server_url}/healthz", min_players=2, max_players=8
    )
    host, guest = visitors(2, **PHONE)
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    seat_players(code, ["Ana", "Bo", "Cy", "Di", "Ed", "Flo"])
    # A "Last game" panel above the list pushed the buttons furthest down.
    Room.objects.filter(room_code=code, status="lobby").update(metadata={"lastGameResult": LAST_GAME})
    for visitor in (host, guest):
        visitor.page.reload()
        connected(visitor)
        expect(visitor.page.locator("#players li.player")).to_have_count(8)
        expect(visitor.page.locator("#last-result")).to_be_visible()
        assert visitor.page.evaluate("document.documentElement.scrollHeight > window.innerHeight * 1.5")

    assert on_screen_without_scrolling(guest.page, "#ready-toggle")
    expect(guest.page.locator("#start-hint")).to_have_text("Tell the host you're set to play.")
    guest.page.locator("#ready-toggle").tap()
    expect(guest.page.locator("#ready-toggle")).to_have_attribute("aria-pressed", "true")
    expect(guest.page.locator("#start-hint")).to_have_text("You're ready. Waiting for the host to start.")

    host.page.get_by_label("Choose a game").select_option("party-test")
    assert on_screen_without_scrolling(host.page, "#start-game")
    assert on_screen_without_scrolling(host.page, "#ready-toggle")
    expect(host.page.locator("#start-hint")).to_contain_text("ready")
    # The last player row can still be scrolled clear of the bar.
    clear = host.page.evaluate(
        """() => {
            window.scrollTo(0, document.documentElement.scrollHeight);
            const rows = document.querySelectorAll('#players li.player');
            const bar = document.getElementById('action-bar').getBoundingClientRect();
            return rows[rows.length - 1].getBoundingClientRect().bottom <= bar.top;
        }"""
    )
    assert clear


def test_home_puts_joining_first_and_a_wrong_code_puts_focus_on_its_error(visitors):
    (phone,) = visitors(1, **PHONE)
    phone.page.goto(phone.base_url + "/")
    code_box = phone.page.get_by_label("Room code").bounding_box()
    assert code_box["y"] + code_box["height"] < 844, "the code field is on the first screen"
    code_input = phone.page.get_by_label("Room code")
    assert code_input.get_attribute("autocapitalize") == "characters"
    assert code_input.get_attribute("autocomplete") == "off"
    assert phone.page.locator("#id_join-name").get_attribute("autocomplete") == "nickname"

    code_input.fill("ZZZZZ9")
    phone.page.locator("#id_join-name").fill("Jonas")
    phone.page.get_by_role("button", name="Join", exact=True).click()
    focused = phone.page.locator(":focus")
    expect(focused).to_have_id("id_join-code")
    expect(focused).to_have_attribute("aria-invalid", "true")
    error = phone.page.locator("#id_join-code_error")
    expect(error).to_contain_text("There is no open room with the code ZZZZZ9")
    expect(error).to_be_in_viewport()
    assert focused.get_attribute("aria-describedby") == "id_join-code_error"


def test_the_join_link_focuses_the_name_and_the_name_is_remembered_for_the_next_room(visitors):
    host, phone = visitors(2, **PHONE)
    code = host.create_room("Maya")
    phone.page.goto(f"{phone.base_url}/r/{code}")
    expect(phone.page.get_by_label("Your name")).to_be_focused()
    phone.page.keyboard.type("Jonas")
    phone.page.get_by_role("button", name="Join room").click()
    phone.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))

    other = host.create_room("Ana")
    phone.page.goto(f"{phone.base_url}/r/{other}")
    expect(phone.page.get_by_label("Your name")).to_have_value("Jonas")
    expect(phone.page.get_by_label("Your name")).to_be_focused()


def test_the_invite_field_shows_the_room_code_on_a_phone(visitors):
    (host,) = visitors(1, **PHONE)
    host.create_room("Maya")
    connected(host)
    shown_to_the_end = host.page.evaluate(
        """() => { const i = document.getElementById('join-link');
                   return i.scrollWidth > i.clientWidth && i.scrollLeft + i.clientWidth >= i.scrollWidth - 2; }"""
    )
    assert shown_to_the_end


def test_leave_asks_first_and_staying_keeps_the_seat(visitors):
    host, guest = visitors(2, **PHONE)
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    connected(guest)

    guest.page.get_by_role("button", name="Leave room").click()
    dialog = guest.page.get_by_role("dialog", name=f"Leave room {code}?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Stay")).to_be_focused()
    dialog.get_by_role("button", name="Stay").click()
    expect(dialog).to_be_hidden()
    assert RoomMember.objects.filter(room__room_code=code, player__display_name="Jonas").exists()

    guest.page.get_by_role("button", name="Leave room").click()
    guest.page.keyboard.press("Escape")  # Escape is "Stay" too
    expect(dialog).to_be_hidden()
    assert RoomMember.objects.filter(room__room_code=code, player__display_name="Jonas").exists()

    guest.page.get_by_role("button", name="Leave room").click()
    dialog.get_by_role("button", name="Leave room").click()
    guest.page.wait_for_url(guest.base_url + "/")
    expect(guest.page.get_by_role("status")).to_contain_text(f"You left room {code}.")
    expect(host.player_row("Jonas")).to_have_count(0)


def test_end_screens_say_what_happened_and_offer_one_way_on(visitors):
    host, guest = visitors(2, **PHONE)
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    second_tab = guest.context.new_page()
    second_tab.goto(f"{guest.base_url}/rooms/{code}/")
    for page in (guest.page, second_tab):
        expect(page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))

    # Leaving in one tab: the other says so, without the invite link or the room's buttons.
    second_tab.get_by_role("button", name="Leave room").click()
    second_tab.get_by_role("dialog").get_by_role("button", name="Leave room").click()
    expect(guest.page.locator("#ended-title")).to_have_text("You left this room")
    expect(guest.page.locator("#ended-text")).to_have_text(f"You left room {code} in another tab or window.")
    expect(guest.page.locator("#ended-title")).to_be_focused()
    expect(guest.page.locator("#join-link")).to_be_hidden()
    expect(guest.page.locator("#copy-link")).to_be_hidden()
    expect(guest.page.locator("#action-bar")).to_be_hidden()
    expect(guest.page.locator("#ended a:visible")).to_have_count(1)
    expect(guest.page.locator("#ended a:visible")).to_have_text("Go to the home page")

    # The room closes under the host: the same, with the reason.
    room = Room.objects.get(room_code=code, status="lobby")
    services.room_close(room=room, actor=Actor.system("tests"))
    expect(host.page.locator("#ended-title")).to_have_text("This room has closed")
    expect(host.page.locator("#join-link")).to_be_hidden()
    expect(host.page.locator("#ended a:visible")).to_have_text("Go to the home page")


def test_a_late_joiner_hears_one_rule_on_the_join_page_and_in_the_lobby(visitors, live_server_url):
    Game.objects.create(
        slug="late-test", name="Late Test", launch_url=f"{live_server_url}/healthz", min_players=1, max_players=8
    )
    host, late = visitors(2, **PHONE)
    code = host.create_room("Maya")
    connected(host)
    host.page.get_by_label("Choose a game").select_option("late-test")
    expect(host.page.get_by_role("button", name="Start game")).to_be_enabled()
    host.page.get_by_role("button", name="Start game").tap()
    host.page.wait_for_url(re.compile(r"/healthz"))

    late.page.goto(f"{late.base_url}/r/{code}")
    expect(late.page.locator(".notice")).to_have_text(
        "A game is running right now. Once you're in, you can join it from the lobby, or wait there for the next one."
    )
    late.page.get_by_label("Your name").fill("Jonas")
    late.page.get_by_role("button", name="Join room").click()
    connected(late)
    expect(late.page.locator("#game-banner-text")).to_have_text(
        "Late Test is in progress: join in now, or wait here for the next game."
    )
    assert on_screen_without_scrolling(late.page, "#play-link")
    expect(late.page.get_by_role("link", name="Join the game")).to_be_visible()
    expect(late.page.locator("#ready-toggle")).to_be_hidden()
