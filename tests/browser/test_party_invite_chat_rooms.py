"""Issue 23 in real browsers: the invite QR code, the lobby chat, the public room browser.

Two or three people, each in their own Chromium context, against the live server.
"""

from __future__ import annotations

import io
import re
import time

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from .axe_audit import Audit
from .party import DESKTOP, PHONE, connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKUP = '<b>bold</b><img src=x onerror="window.pwned=1">'


def decode_qr(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def chat_lines(visitor) -> list[str]:
    return visitor.page.locator("#chat-list .chat__text").all_inner_texts()


def send(visitor, text: str) -> None:
    visitor.page.get_by_label("Message to the room").fill(text)
    visitor.page.get_by_role("button", name="Send", exact=True).click()


def test_the_invite_qr_code_decodes_to_the_join_link_and_goes_full_screen(visitors):
    host = visitors(1, **DESKTOP)[0]
    code = host.create_room("Maya")
    link = host.page.locator("#join-link").input_value()
    assert link.endswith(f"/r/{code}")
    qr = host.page.get_by_role("img", name=f"QR code of the invite link to room {code}")
    expect(qr).to_be_visible()
    assert decode_qr(qr.screenshot()) == [link]

    host.page.get_by_role("button", name="Show the QR code full screen").click()
    box = qr.bounding_box()
    assert box["width"] >= 0.6 * DESKTOP["viewport"]["height"]  # fills the screen, to scan from across a room
    assert decode_qr(qr.screenshot()) == [link]
    host.page.keyboard.press("Escape")
    expect(host.page.get_by_role("button", name="Show the QR code full screen")).to_be_focused()
    assert host.csp_violations() == []


def test_the_share_button_appears_only_where_the_web_share_api_exists(visitors):
    plain, sharing = visitors(2, **PHONE)
    sharing.context.add_init_script("navigator.share = async (data) => { window.shared = data; };")
    code = plain.create_room("Maya")
    expect(plain.page.get_by_role("button", name="Share")).to_be_hidden()
    sharing.join_by_link(code, "Jonas")
    sharing.page.get_by_role("button", name="Share", exact=True).click()
    shared = sharing.page.evaluate("window.shared")
    assert shared["url"].endswith(f"/r/{code}") and code in shared["text"]


def test_a_chat_message_with_markup_reaches_the_others_within_a_second_as_text_and_survives_a_reconnect(visitors):
    host, guest, third = visitors(3, **DESKTOP)
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    third.join_by_link(code, "Ana")
    for visitor in (host, guest, third):
        connected(visitor)

    started = time.monotonic()
    send(guest, MARKUP)
    for visitor in (host, third):
        expect(visitor.page.locator("#chat-list .chat__text")).to_have_text([MARKUP], timeout=1000)
    assert time.monotonic() - started < 1.5  # both, within a second of each other's budget
    for visitor in (host, third):
        assert visitor.page.locator("#chat-list b, #chat-list img").count() == 0
        assert visitor.page.evaluate("window.pwned") is None
    expect(host.page.locator("#chat-announcer")).to_have_text(f"Jonas: {MARKUP}")

    third.page.evaluate("window.gameBuddiesLobby.room.reconnectNow()")  # a dropped socket
    connected(third)
    third.page.reload()  # and a fresh page
    connected(third)
    expect(third.page.locator("#chat-list .chat__text")).to_have_text([MARKUP])
    assert [v.csp_violations() for v in (host, guest, third)] == [[], [], []]


def test_a_muted_players_message_is_refused_and_everyone_sees_the_mute(visitors):
    host, guest = visitors(2, **DESKTOP)
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    connected(host)
    connected(guest)
    send(guest, "hello")
    expect(host.page.locator("#chat-list .chat__text")).to_have_text(["hello"])

    host.page.get_by_role("button", name="Mute Jonas").click()
    expect(guest.page.locator("#chat-list .chat__notice")).to_have_text(["Jonas was muted in the chat."])
    expect(guest.page.get_by_label("Message to the room")).to_be_disabled()
    refused = guest.page.evaluate(
        """() => window.gameBuddiesLobby.room.request("chatSend", {text: "let me talk"})
                 .then(() => null, (error) => error.code)"""
    )
    assert refused == "CHAT_MUTED"
    host.page.wait_for_timeout(300)
    assert chat_lines(host) == ["hello"]

    host.page.get_by_role("button", name="Delete the message from Jonas").click()
    expect(guest.page.locator("#chat-list .chat__text")).to_have_count(0)
    expect(guest.page.locator("#chat-list .chat__notice").last).to_have_text("Maya removed a message.")


def test_a_public_room_appears_in_another_browsers_list_within_two_seconds_and_goes_when_it_starts(
    visitors,
    demo_games,
):
    host, browser_guest = visitors(1, **DESKTOP)[0], visitors(1, **PHONE)[0]
    code = host.create_room("Maya")
    host.page.get_by_label("Choose a game").select_option("quiz")
    browser_guest.page.goto(browser_guest.base_url + "/rooms/")
    expect(browser_guest.page.locator("#room-list-empty")).to_be_visible()

    host.page.get_by_label("List this room publicly").check()
    row = browser_guest.page.locator(f'.room-list__item[data-code="{code}"]')
    expect(row).to_be_visible(timeout=2000)
    expect(row).to_contain_text("Quick Quiz")
    expect(row).to_contain_text("1 / 8 players · host Maya")

    row.get_by_role("link", name=f"Join room {code} hosted by Maya").click()
    browser_guest.page.get_by_label("Your name").fill("Jonas")
    browser_guest.page.get_by_role("button", name="Join room").click()
    browser_guest.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    connected(host)

    watcher = visitors(1, **DESKTOP)[0]
    watcher.page.goto(watcher.base_url + "/rooms/")
    expect(watcher.page.locator(f'.room-list__item[data-code="{code}"]')).to_contain_text("2 / 8 players")
    host.page.get_by_role("button", name="Start game").click()
    expect(watcher.page.locator(f'.room-list__item[data-code="{code}"]')).to_have_count(0, timeout=2500)
    expect(watcher.page.locator("#room-list-empty")).to_be_visible()


def test_the_chat_and_the_room_list_have_no_serious_violation_at_phone_and_desktop_sizes(visitors):
    audit = Audit()
    host, guest = visitors(1, **PHONE)[0], visitors(1, **DESKTOP)[0]
    code = host.create_room("Maya")
    guest.join_by_link(code, "Jonas")
    connected(host)
    connected(guest)
    host.page.get_by_label("List this room publicly").check()
    send(guest, "hi all")
    send(host, "welcome")
    expect(host.page.locator("#chat-list .chat__text")).to_have_text(["hi all", "welcome"])
    host.page.get_by_role("button", name="Mute Jonas").click()
    expect(guest.page.locator("#chat-note")).to_be_visible()

    # Phones: the chat's field, scrolled to and focused, is not under the fixed Ready/Start bar,
    # and the bar's buttons stay uncovered.
    field = host.page.get_by_label("Message to the room")
    host.page.evaluate("window.scrollTo(0, 0)")
    field.focus()  # the browser scrolls the field into view, as on a tap
    host.page.wait_for_timeout(100)
    bar_top = host.page.locator("#action-bar").bounding_box()["y"]
    field_box = field.bounding_box()
    assert 0 <= field_box["y"] and field_box["y"] + field_box["height"] <= bar_top
    assert host.page.evaluate(
        """() => { const b = document.getElementById("start-game").getBoundingClientRect();
                   const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
                   return Boolean(hit && hit.closest("#action-bar")); }"""
    )
    host.page.keyboard.press("Shift+Tab")  # keyboard: the log and its tools are reachable

    audit.check(host.page, "lobby with chat, host phone")
    audit.check(guest.page, "lobby with chat, muted guest desktop")
    host.page.set_viewport_size(DESKTOP["viewport"])
    audit.check(host.page, "lobby with chat, host desktop")
    host.page.get_by_role("button", name="Show the QR code full screen").click()
    audit.check(host.page, "QR code full screen")

    lister = visitors(1, **PHONE)[0]
    lister.page.goto(lister.base_url + "/rooms/")
    expect(lister.page.locator(f'.room-list__item[data-code="{code}"]')).to_be_visible()
    audit.check(lister.page, "room list phone")
    lister.page.set_viewport_size(DESKTOP["viewport"])
    audit.check(lister.page, "room list desktop")
    empty = visitors(1, **DESKTOP)[0]
    host.page.get_by_role("button", name="Make the QR code small again").click()
    host.page.get_by_label("List this room publicly").uncheck()
    empty.page.goto(empty.base_url + "/rooms/")
    expect(empty.page.locator("#room-list-empty")).to_be_visible()
    audit.check(empty.page, "room list empty")
    audit.assert_clean(expected_states=7)


def test_a_spectator_reads_the_chat_and_writes_only_once_the_host_allows_it(visitors):
    host, watcher = visitors(2, **DESKTOP)
    code = host.create_room("Maya")
    watcher.page.goto(f"{watcher.base_url}/r/{code}")
    watcher.page.get_by_label("Your name").fill("Wes")
    watcher.page.get_by_label("Just watch (join as a spectator)").check()
    watcher.page.get_by_role("button", name="Join room").click()
    watcher.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    connected(host)
    connected(watcher)
    send(host, "welcome, watchers")
    expect(watcher.page.locator("#chat-list .chat__text")).to_have_text(["welcome, watchers"])
    field = watcher.page.get_by_label("Message to the room")
    expect(field).to_be_disabled()
    expect(watcher.page.locator("#chat-note")).to_have_text(
        "Spectators can read the chat; the host decides whether they can write."
    )

    host.page.get_by_label("Spectators may write").check()
    expect(field).to_be_enabled()
    send(watcher, "thanks!")
    expect(host.page.locator("#chat-list .chat__text")).to_have_text(["welcome, watchers", "thanks!"])
