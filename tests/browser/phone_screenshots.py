"""Take the phone screenshots in docs/ (issue 22): the home page and a room of eight as
the host and as a guest, at 390x844, each as the screen shows it (the action bar fixed at
the bottom, no scrolling).

Not a test: run it against a running server with the demo games loaded, e.g.
    .venv/bin/python -m tests.browser.phone_screenshots http://127.0.0.1:8000
It writes docs/phone-home.png, docs/phone-lobby-host.png and docs/phone-lobby-guest.png,
and dark-mode versions of the two lobbies under .tmp/ for review.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.chromium import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
GUESTS = (("Jonas", True), ("Priya", False), ("Ana", True), ("Bo", False), ("Cy", True), ("Dee", False), ("Eli", True))


def join(browser, base_url: str, code: str, name: str):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{base_url}/r/{code}")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join room").click()
    page.wait_for_url("**/rooms/*/")
    page.wait_for_selector(".conn--connected")
    return page


def main(base_url: str) -> None:
    docs = ROOT / "docs"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        home = browser.new_context(**PHONE).new_page()
        home.goto(base_url + "/")
        home.screenshot(path=str(docs / "phone-home.png"))

        host = browser.new_context(**PHONE).new_page()
        host.goto(base_url + "/")
        host.get_by_label("Your name").last.fill("Maya")
        host.get_by_role("button", name="Create room").click()
        host.wait_for_url("**/rooms/*/")
        code = host.locator("#room-title").inner_text().strip()
        guests = [join(browser, base_url, code, name) for name, _ in GUESTS]
        for page, (_, ready) in zip(guests, GUESTS, strict=True):
            if ready:
                page.get_by_role("button", name="Ready").tap()
        host.get_by_label("Choose a game").select_option("quiz")
        host.wait_for_timeout(1000)
        host.evaluate("window.scrollTo(0, 0)")
        host.screenshot(path=str(docs / "phone-lobby-host.png"))
        guest = guests[1]
        guest.wait_for_timeout(300)
        guest.screenshot(path=str(docs / "phone-lobby-guest.png"))
        for page, name in ((host, "host"), (guest, "guest")):
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=str(ROOT / ".tmp" / f"phone-lobby-{name}-dark.png"))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
