"""Reaction Race, the bundled demo game, played by two people from the lobby and back (issue 7)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from demo.quiz_questions import QUESTIONS
from rooms.models import Room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / ".tmp"
# Long enough after the signal to count as a human reaction (the server calls < 100 ms anticipation).
HUMAN_DELAY_MS = 150


def connected(page):
    expect(page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))


def wait_for_room_settings(code: str, expected: dict, page) -> None:
    for _ in range(50):
        if Room.objects.get(room_code=code, status="lobby").game_settings == expected:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"room settings never became {expected}")


def play_round(page, *, false_start: bool = False, miss: bool = False, keyboard: bool = False) -> None:
    pad = page.locator("#pad")
    expect(pad).to_have_class(re.compile(r"\bpad--intro\b"))
    press = (lambda: page.keyboard.press("Space")) if keyboard else pad.click
    press()  # start the round
    expect(pad).to_have_class(re.compile(r"\bpad--wait\b"))
    if false_start:
        press()
        expect(pad).to_have_class(re.compile(r"\bpad--false\b"))
        expect(page.locator("#pad-big")).to_have_text("Too soon!")
        return
    expect(pad).to_have_class(re.compile(r"\bpad--go\b"), timeout=10_000)
    if miss:  # never press: after the miss window the round is lost
        expect(pad).to_have_class(re.compile(r"\bpad--miss\b"), timeout=10_000)
        return
    page.wait_for_timeout(HUMAN_DELAY_MS)
    press()
    expect(pad).to_have_class(re.compile(r"\bpad--hit\b"))
    expect(page.locator("#pad-big")).to_have_text(re.compile(r"\d+\s?ms"))


def start_from_the_lobby(visitors, *, game: str, default_rounds: int, rounds: int):
    """Maya hosts, Jonas joins by code, Maya picks `game` with `rounds` and starts it; both land in it."""
    host, guest = visitors(2, viewport={"width": 1180, "height": 820})
    code = host.create_room("Maya")
    connected(host.page)
    guest.join_by_code(code, "Jonas")
    connected(guest.page)

    host.page.get_by_label("Choose a game").select_option(game)
    rounds_input = host.page.get_by_label("Rounds")
    expect(rounds_input).to_have_value(str(default_rounds))
    rounds_input.fill(str(rounds))
    rounds_input.press("Tab")
    wait_for_room_settings(code, {"rounds": rounds}, host.page)
    host.page.get_by_role("button", name="Start game").click()

    for visitor in (host, guest):
        visitor.page.wait_for_url(re.compile(rf"/games/{game}/\?"))
        connected(visitor.page)
        assert "sessionToken" not in visitor.page.url, "the SDK removes the token from the address bar"
        expect(visitor.page.locator("#room-code")).to_have_text(code)
        expect(visitor.page.locator("#round-total")).to_have_text(str(rounds))
        expect(visitor.page.locator("#scoreboard .score-line")).to_have_count(2)
    return host, guest, code


def back_in_the_lobby_with_the_result(visitors_, code: str, live_server_url: str, summary: str) -> None:
    for visitor in visitors_:
        final = visitor.page.locator("#final")
        expect(final).to_be_visible()
        expect(visitor.page.locator("#final-summary")).to_have_text(re.compile(rf"^{summary}"))
        expect(visitor.page.locator("#final-ranking .rank__name")).to_have_text(["Maya", "Jonas"])
    for visitor in visitors_:
        visitor.page.wait_for_url(f"{live_server_url}/rooms/{code}/")
        connected(visitor.page)
        expect(visitor.page.get_by_text(re.compile(summary))).to_be_visible()
        expect(visitor.player_row("Maya")).to_be_visible()
        expect(visitor.player_row("Jonas")).to_be_visible()
        assert visitor.errors == [] and visitor.csp_violations() == []


def test_two_players_race_from_the_lobby_and_return_to_see_the_result(visitors, demo_games, live_server_url):
    host, guest, code = start_from_the_lobby(visitors, game="reaction", default_rounds=5, rounds=2)

    # Maya reacts twice: with the mouse, then with the keyboard.
    play_round(host.page)
    host.page.screenshot(path=str(SCREENSHOTS / "demo-reaction-playing.png"))
    play_round(host.page, keyboard=True)
    expect(host.page.locator("#pad-small")).to_have_text(re.compile("Waiting for Jonas"))
    # Jonas sees Maya's race live through the SDK, then jumps the gun and misses the next signal:
    # 1000 + 3000 ms of penalties, so Maya wins whatever the browser's click latency.
    maya_line = guest.page.locator("#scoreboard .score-line", has_text="Maya")
    expect(maya_line.locator(".score-line__label")).to_have_text("Finished")
    play_round(guest.page, false_start=True, keyboard=True)
    play_round(guest.page, miss=True, keyboard=True)

    # The last result ends the game: both see the ranking, then land back in the lobby.
    expect(host.page.locator("#final")).to_be_visible()
    host.page.screenshot(path=str(SCREENSHOTS / "demo-reaction-final.png"))
    back_in_the_lobby_with_the_result((host, guest), code, live_server_url, "Maya wins Reaction Race")
    host.page.screenshot(path=str(SCREENSHOTS / "demo-reaction-lobby.png"), full_page=True)

    result = Room.objects.get(room_code=code, status="lobby").metadata["lastGameResult"]
    assert [row["name"] for row in result["ranking"]] == ["Maya", "Jonas"]
    assert result["ranking"][1]["falseStarts"] == 1 and result["ranking"][1]["timeMs"] == 4000


def answer(page, *, right: bool) -> None:
    """Pick the right answer (known to the test from the server's bank) or a wrong one."""
    expect(page.locator("#choices button:enabled")).to_have_count(4)
    text = page.locator("#question-text").inner_text()
    correct = next(a for q, _, a in QUESTIONS if q == text)
    pick = correct if right else (correct + 1) % 4
    page.locator(f'#choices button[data-choice="{pick}"]').click()
    expect(page.locator("#feedback")).to_have_text(re.compile("Right!" if right else "Not quite"))


def test_two_players_quiz_from_the_lobby_and_return_to_see_the_result(visitors, demo_games, live_server_url):
    host, guest, code = start_from_the_lobby(visitors, game="quiz", default_rounds=3, rounds=2)
    for _ in range(2):
        answer(host.page, right=True)
    answer(guest.page, right=True)
    guest.page.screenshot(path=str(SCREENSHOTS / "demo-quiz-playing.png"))
    answer(guest.page, right=False)
    back_in_the_lobby_with_the_result((host, guest), code, live_server_url, "Maya wins Quick Quiz")
