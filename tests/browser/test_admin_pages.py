"""The admin's own scripts run under the site's strict CSP: the copy button on the shown-once
page copies the key, and the room page loads without a violation (issue 19)."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-password"  # noqa: S105 - a test account


def signed_in(visitor) -> None:
    get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
    visitor.page.goto(visitor.base_url + "/admin/login/")
    visitor.page.get_by_label("Username").fill("admin")
    visitor.page.get_by_label("Password").fill(PASSWORD)
    visitor.page.get_by_role("button", name="Log in").click()
    visitor.page.wait_for_url("**/admin/")


def test_the_copy_button_copies_the_key_shown_once_without_breaking_the_csp(visitors):
    (staff,) = visitors(1, permissions=["clipboard-read", "clipboard-write"])
    signed_in(staff)
    page = staff.page
    page.goto(staff.base_url + "/admin/gameapi/apikey/issue/")
    page.get_by_label("Service name").fill("copy-test")
    page.get_by_label("rooms:read").check()
    page.get_by_role("button", name="Issue").click()
    shown = page.locator("#secret-1").inner_text().strip()
    assert shown.startswith("gb_")
    page.get_by_role("button", name="Copy").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == shown
    assert staff.csp_violations() == []


def test_the_room_page_shows_its_timeline_without_a_csp_violation(visitors):
    room, _ = make_room(players=2)
    (staff,) = visitors(1)
    signed_in(staff)
    staff.page.goto(f"{staff.base_url}/admin/rooms/room/{room.pk}/change/")
    staff.page.locator("#timeline").get_by_text("player_joined").wait_for()
    assert staff.page.locator("#state").get_by_text("Player 1").count() == 1
    assert staff.csp_violations() == []
