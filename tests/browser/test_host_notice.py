"""Players are told when the host leaves and who has the role after (issue 17).

Three people in their own browser contexts on a live server whose background loops run in the
server process (EMBEDDED_WORKER), with a short HOST_GRACE_SECONDS: the host closes the page,
the guests see "<name> disconnected — the host role passes in N s", then who the new host is;
the new host sees "You're the host now" and the host controls.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.live import running_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRACE = 3
HOSTILE_NAME = "<svg onload=alert(1)>"


@pytest.fixture
def live_server_url(transactional_db):
    # A closed page's seat is marked disconnected after WS_DISCONNECT_GRACE_SECONDS (3 s by
    # default, issue 18 #4): shortened so the notice is due within the test's 3 s.
    env = {
        "EMBEDDED_WORKER": "1",
        "HOST_GRACE_SECONDS": str(GRACE),
        "HOUSEKEEPING_INTERVAL_SECONDS": "0.5",
        "WS_DISCONNECT_GRACE_SECONDS": "0.5",
    }
    with running_server(env=env) as url:
        yield url


def connected(visitor):
    expect(visitor.page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))


def test_guests_are_told_the_host_left_then_who_hosts_and_the_new_host_gets_the_controls(visitors):
    host, first, second = visitors(3)
    code = host.create_room(HOSTILE_NAME)
    connected(host)
    first.join_by_code(code, "Jonas")
    connected(first)
    second.join_by_code(code, "Ana")
    connected(second)
    expect(second.player_row("Jonas")).to_be_visible()
    expect(first.page.get_by_role("button", name="Start game")).to_be_hidden()

    host.page.close()

    for guest in (first, second):
        notice = guest.page.get_by_role("status").filter(has_text="disconnected")
        expect(notice).to_have_text(f"{HOSTILE_NAME} disconnected — the host role passes in {GRACE} s", timeout=3000)
        expect(notice).to_have_attribute("aria-live", "polite")

    passes_ms = (GRACE + 5) * 1000
    expect(first.page.locator("#host-notice")).to_have_text("You're the host now", timeout=passes_ms)
    expect(first.page.get_by_role("button", name="Start game")).to_be_visible()
    expect(first.page.get_by_label("Choose a game")).to_be_visible()
    expect(second.page.locator("#host-notice")).to_have_text("Jonas is the host now", timeout=passes_ms)
    expect(second.player_row("Jonas").locator(".badge--host")).to_have_text("Host")
    expect(second.page.get_by_role("button", name="Start game")).to_be_hidden()

    for guest in (first, second):
        assert guest.dialogs == []  # the name was shown as text
        assert guest.csp_violations() == []


NOTICE_CASES = """
async () => {
  const { hostNotice } = await import("/static/js/host-notice.js");
  const p = (id, name, role, isConnected = true) => ({ id, name, role, isConnected });
  const room = (...players) => ({ players });
  const before = room(p("a", "Maya", "host"), p("b", "Jonas", "player"));
  const hostAway = room(p("a", "Maya", "host", false), p("b", "Jonas", "player"));
  return {
    away: hostNotice(before, hostAway, { myId: "b", graceSeconds: 30 }),
    awayNoGrace: hostNotice(before, hostAway, { myId: "b" }),
    myOwnAway: hostNotice(before, hostAway, { myId: "a" }),
    back: hostNotice(room(p("a", "Maya", "host", false)), room(p("a", "Maya", "host")), { myId: "b" }),
    toMe: hostNotice(before, room(p("a", "Maya", "player"), p("b", "Jonas", "host")), { myId: "b" }),
    toOther: hostNotice(before, room(p("a", "Maya", "player"), p("b", "Jonas", "host")), { myId: "a" }),
    readyOnly: hostNotice(before, room(p("a", "Maya", "host"), p("b", "Jonas", "player")), { myId: "b" }),
  };
}
"""


def test_the_notice_follows_the_host_role_whatever_changed_it(visitors, live_server_url):
    (visitor,) = visitors(1)
    visitor.page.goto(live_server_url + "/")
    cases = visitor.page.evaluate(NOTICE_CASES)
    assert cases == {
        "away": {"kind": "host-away", "text": "Maya disconnected — the host role passes in 30 s"},
        "awayNoGrace": {"kind": "host-away", "text": "Maya disconnected — the host role passes soon"},
        "myOwnAway": None,
        "back": {"kind": "clear"},
        "toMe": {"kind": "new-host", "text": "You're the host now"},
        "toOther": {"kind": "new-host", "text": "Jonas is the host now"},
        "readyOnly": None,
    }
