"""Take docs/lobby-screenshot.png: a lobby with three players, at desktop and phone widths.

Not a test: run it against a running server with the demo games loaded, e.g.
    .venv/bin/python -m tests.browser.lobby_screenshot http://127.0.0.1:8000
It writes docs/lobby-screenshot.png (desktop) and, for review, phone-width shots of the
host's and a guest's lobby and of the home page under .tmp/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.chromium import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]


def main(base_url: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        host = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        page = host.new_page()
        page.on("console", lambda m: print("console:", m.type, m.text))
        page.goto(base_url + "/")
        page.get_by_label("Your name").first.fill("Maya")
        page.get_by_role("button", name="Create room").click()
        page.wait_for_url("**/rooms/*/")
        code = page.locator("#room-title").inner_text().strip()
        guests = []
        for name, ready in (("Jonas", True), ("Priya", False)):
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            guest = ctx.new_page()
            guest.goto(f"{base_url}/r/{code}")
            guest.get_by_label("Your name").fill(name)
            guest.get_by_role("button", name="Join room").click()
            guest.wait_for_url("**/rooms/*/")
            guest.wait_for_selector(".conn--connected")
            if ready:
                guest.get_by_role("button", name="Ready").click()
            guests.append(guest)
        page.get_by_label("Choose a game").select_option("quiz")
        page.wait_for_selector(".conn--connected")
        page.get_by_role("button", name="Ready").click()
        page.wait_for_timeout(800)
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / "lobby-screenshot.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(ROOT / ".tmp" / "lobby-phone-host.png"), full_page=True)
        guests[0].wait_for_timeout(300)
        guests[0].screenshot(path=str(ROOT / ".tmp" / "lobby-phone.png"), full_page=True)
        home = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        home.goto(base_url + "/")
        home.screenshot(path=str(ROOT / ".tmp" / "home-phone.png"), full_page=True)
        home.set_viewport_size({"width": 1280, "height": 860})
        home.screenshot(path=str(ROOT / ".tmp" / "home-desktop.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
