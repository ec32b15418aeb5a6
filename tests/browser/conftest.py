"""Playwright on Debian's Chromium (/usr/bin/chromium, headless; never a downloaded browser)."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command

from .chromium import CHROMIUM, CHROMIUM_ARGS, CSP_VIOLATION


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls from the test body; they are plain synchronous calls, so allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass(eq=False)
class Visitor:
    """One person: their own browser context (cookies), one page, and what the page reported."""

    context: object
    page: object
    base_url: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [text for text in self.console + self.errors if CSP_VIOLATION.search(text)]

    def lobby_data(self) -> dict:
        return self.page.evaluate("JSON.parse(document.getElementById('lobby-data').textContent)")

    def create_room(self, name: str) -> str:
        self.page.goto(self.base_url + "/")
        self.page.locator("#id_create-name").fill(name)
        self.page.get_by_role("button", name="Create room").click()
        self.page.wait_for_url(re.compile(r"/rooms/[A-Z0-9]{6}/$"))
        return self.page.locator("#room-title").inner_text().strip()

    def join_by_code(self, code: str, name: str) -> None:
        self.page.goto(self.base_url + "/")
        self.page.get_by_label("Room code").fill(code)
        self.page.locator("#id_join-name").fill(name)
        self.page.get_by_role("button", name="Join", exact=True).click()
        self.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))

    def join_by_link(self, code: str, name: str) -> None:
        self.page.goto(f"{self.base_url}/r/{code}")
        self.page.get_by_label("Your name").fill(name)
        self.page.get_by_role("button", name="Join room").click()
        self.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))

    def player_row(self, name: str):
        return self.page.locator("#players li.player", has=self.page.locator(".player__name", has_text=name))


@pytest.fixture
def visitors(chromium, live_server_url):
    """visitors(n) -> n separate people on the live server; contexts closed afterwards."""
    made: list[Visitor] = []

    def make(count: int = 1, **context_options) -> list[Visitor]:
        for _ in range(count):
            context = chromium.new_context(**context_options)
            page = context.new_page()
            visitor = Visitor(context=context, page=page, base_url=live_server_url)
            page.on("console", lambda message, v=visitor: v.console.append(message.text))
            page.on("pageerror", lambda error, v=visitor: v.errors.append(str(error)))

            def on_dialog(dialog, v=visitor):
                v.dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            made.append(visitor)
        return made[-count:]

    yield make
    for visitor in made:
        visitor.context.close()


@pytest.fixture
def demo_games(transactional_db):
    """The demo games (quiz, reaction) in the catalog, loaded as `manage.py load_demo_data` does."""
    call_command("load_demo_data", stdout=io.StringIO())
