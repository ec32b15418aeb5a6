"""The API docs page renders in a real browser under the strict CSP, from our own files only."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CSP_VIOLATION = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)


@pytest.fixture
def page(live_server_url, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test body's ORM calls are plain sync calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page()
        page.base_url = live_server_url
        page.console_lines, page.requests = [], []
        page.on("console", lambda message: page.console_lines.append(message.text))
        page.on("pageerror", lambda error: page.console_lines.append(str(error)))
        page.on("request", lambda request: page.requests.append(request.url))
        yield page
        browser.close()


def test_swagger_ui_renders_every_operation_without_csp_violations_or_foreign_requests(page):
    page.goto(page.base_url + "/api/v2/docs/")
    page.wait_for_selector(".opblock", timeout=15000)
    assert page.locator(".opblock").count() == 14
    assert page.locator(".opblock-summary-path", has_text="/api/v2/rooms/{room_code}/game-end").count() == 1
    assert not [line for line in page.console_lines if CSP_VIOLATION.search(line)], page.console_lines
    assert all(url.startswith(page.base_url) or url.startswith("data:") for url in page.requests), page.requests
