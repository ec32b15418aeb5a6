"""A network blip, as players meet it (issue 22 #1, #7).

- A lobby whose socket dies silently (the path is gone, nothing is closed: a Wi-Fi hand-over,
  a NAT timeout) says "Reconnecting…" within 10 s and is caught up within 10 s of the
  network's return.
- A quiz answer sent during a 5 s network cut is delivered after it, and the game goes on.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from demo.quiz_questions import QUESTIONS
from gamebuddies.actors import Actor
from rooms import services
from rooms.models import Room

from .fake_socket import FAKE_WEBSOCKET, FakeServer
from .party import DESKTOP, PHONE, connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every WebSocket of the page can be made silent: frames are neither sent nor delivered and no
# event fires, exactly what a socket over a dead path looks like to the page. A socket opened
# while the path is dead stays dead (it never opens); sockets opened after it is back work.
SILENT_PATH = """
(() => {
  const Native = window.WebSocket;
  const sockets = [];
  window.__path = { dead: false, sockets };
  window.__killPath = () => { window.__path.dead = true; for (const s of sockets) s.__dead = true; };
  window.__restorePath = () => { window.__path.dead = false; };
  class MaybeSilent extends Native {
    constructor(...args) {
      super(...args);
      this.__dead = window.__path.dead;
      sockets.push(this);
    }
    send(data) { if (!this.__dead) super.send(data); }
  }
  for (const name of ["onopen", "onmessage", "onclose", "onerror"]) {
    const native = Object.getOwnPropertyDescriptor(Native.prototype, name);
    Object.defineProperty(MaybeSilent.prototype, name, {
      configurable: true,
      get() { return native.get.call(this); },
      set(handler) {
        native.set.call(this, handler && ((event) => { if (!this.__dead) handler.call(this, event); }));
      },
    });
  }
  window.WebSocket = MaybeSilent;
})();
"""
DETECT_WITHIN_S = 10
CATCH_UP_WITHIN_S = 10


def test_a_silently_dead_lobby_socket_is_noticed_and_caught_up_within_10_s(visitors):
    host, guest = visitors(2, **DESKTOP)
    host.context.add_init_script(script=SILENT_PATH)
    code = host.create_room("Maya")
    connected(host)
    label = host.page.locator("#connection-label")

    host.page.evaluate("window.__killPath()")
    cut_at = time.monotonic()
    expect(label).to_have_text("Reconnecting…", timeout=DETECT_WITHIN_S * 1000)
    assert time.monotonic() - cut_at <= DETECT_WITHIN_S
    expect(host.page.locator("#connection")).to_have_class(re.compile(r"\bconn--offline\b"))

    # While the host's path is dead, someone joins; the page cannot know yet.
    guest.join_by_link(code, "Jonas")
    host.page.wait_for_timeout(6000)  # a long outage: several attempts hang and are given up
    expect(host.player_row("Jonas")).to_have_count(0)

    host.page.evaluate("window.__restorePath()")
    back_at = time.monotonic()
    expect(host.player_row("Jonas")).to_be_visible(timeout=CATCH_UP_WITHIN_S * 1000)
    connected(host, timeout=CATCH_UP_WITHIN_S * 1000)
    assert time.monotonic() - back_at <= CATCH_UP_WITHIN_S
    assert host.errors == []


def test_any_message_from_the_server_counts_as_a_sign_of_life(visitors):
    # Pongs are lost but snapshots keep coming: the socket is alive and is kept. Once the
    # server falls silent too, it is replaced within the probe period.
    (player,) = visitors(1, **DESKTOP)
    player.context.add_init_script(script=FAKE_WEBSOCKET)
    player.page.goto(player.base_url + "/")
    player.page.evaluate(
        """async () => {
            const { connectRoom } = await import('/static/gamebuddies/room-socket.js');
            window.room = connectRoom({ code: 'ABCDEF', token: 'gbs_x', heartbeatMs: 15000, livenessMs: 300 });
        }"""
    )
    server = FakeServer(player.page)
    server.wait_for_socket(0)
    server.open(0)
    server.ack(0, server.wait_for_request(0, "auth"), version=1)
    server.ack(0, server.wait_for_request(0, "sync"), version=1)
    server.wait_for_request(0, "ping")  # probing every 300 ms while visible, not every 15 s
    for version in range(2, 12):  # 1.5 s of snapshots and no pong
        server.send(0, {"type": "roomStateUpdate", "version": version, "state": {"room": {}, "players": []}})
        player.page.wait_for_timeout(150)
    assert server.count() == 1
    server.wait_for_socket(1)  # silent now: declared dead and replaced
    assert player.page.evaluate("window.__sockets[0].closedWith") == 4000


def _right_choice(page) -> int:
    text = page.locator("#question-text").inner_text()
    return next(a for q, _, a in QUESTIONS if q == text)


def test_a_quiz_answer_sent_during_a_5_s_network_cut_is_delivered_after_it(visitors, demo_games):
    host = visitors(1, **DESKTOP)[0]
    guest = visitors(1, **PHONE)[0]
    code = host.create_room("Maya")
    connected(host)
    guest.join_by_link(code, "Jonas")
    connected(guest)
    host.page.get_by_label("Choose a game").select_option("quiz")
    rounds = host.page.get_by_label("Rounds")
    rounds.fill("2")
    rounds.press("Tab")
    for _ in range(50):
        if Room.objects.get(room_code=code, status="lobby").game_settings == {"rounds": 2}:
            break
        host.page.wait_for_timeout(100)
    host.page.get_by_role("button", name="Start game").click()
    for visitor in (host, guest):
        visitor.page.wait_for_url(re.compile(r"/games/quiz/\?"))
        expect(visitor.page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))
    expect(guest.page.locator("#choices button:enabled")).to_have_count(4)
    # On a touch screen there is no "press 1–4".
    assert guest.page.locator(".stage__help").inner_text().strip() == "Pick an answer. Right and quick scores most."
    assert "press 1–4" in host.page.locator(".stage__help").inner_text()

    host.page.locator(f'#choices button[data-choice="{_right_choice(host.page)}"]').click()
    expect(host.page.locator("#round-now")).to_have_text("2", timeout=5000)

    guest.context.set_offline(True)
    guest.page.locator(f'#choices button[data-choice="{_right_choice(guest.page)}"]').tap()
    problem = guest.page.locator("#net-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Connection lost — retrying")
    expect(problem.get_by_role("button", name="Retry")).to_be_visible()
    guest.page.wait_for_timeout(5000)
    expect(guest.page.locator("#feedback")).not_to_have_text(re.compile("Failed to fetch"))
    guest.context.set_offline(False)

    # Delivered once the network is back: scored, then the next question, and the game goes on.
    expect(guest.page.locator("#feedback")).to_have_text(re.compile("Right!"), timeout=10_000)
    expect(problem).to_be_hidden()
    expect(guest.page.locator("#round-now")).to_have_text("2", timeout=5000)
    expect(host.page.locator("#scoreboard .score-line", has_text="Jonas")).to_contain_text(
        "Question 2 of 2", timeout=10_000
    )

    # A player the room marks offline (as the presence sweep does) stays on the others'
    # scoreboards, marked offline where they were, not dropped or shown as having left.
    room = Room.objects.get(room_code=code)
    jonas = room.members.get(player__display_name="Jonas").player_id
    services.update_player_status(room=room, player_id=jonas, status="disconnected", actor=Actor.system("tests"))
    jonas_line = host.page.locator("#scoreboard .score-line", has_text="Jonas")
    expect(jonas_line.locator(".score-line__label")).to_have_text("Offline · Question 2 of 2")
    expect(host.page.locator("#scoreboard-note")).to_have_text("1 still in the game · 1 offline")

    for page in (guest.page, host.page):
        expect(page.locator("#choices button:enabled")).to_have_count(4)
        page.locator(f'#choices button[data-choice="{_right_choice(page)}"]').click()
        expect(page.locator("#feedback")).to_have_text(re.compile("Right!"))
    for page in (host.page, guest.page):
        expect(page.locator("#final")).to_be_visible(timeout=10_000)
    entry = Room.objects.get(room_code=code).metadata["lastGameResult"]["ranking"]
    jonas = next(row for row in entry if row["name"] == "Jonas")
    assert jonas["correct"] == 2, "the answer sent while offline counted, once"
