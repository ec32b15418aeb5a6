"""Helpers for the issue-22 browser tests: phone sizes, rooms of many players, on-screen checks."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from gamebuddies.actors import Actor
from rooms import services
from rooms.models import Room

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SEAT_ACTOR = Actor.visitor(label="tests")


def connected(visitor, timeout: int = 5000) -> None:
    expect(visitor.page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"), timeout=timeout)


def seat_players(code: str, names: list[str]) -> None:
    """Seat players without a browser (they count as connected until the presence timeout)."""
    room = Room.objects.get(room_code=code, status="lobby")
    for name in names:
        services.room_join(room=room, display_name=name, actor=SEAT_ACTOR)


def on_screen_without_scrolling(page, selector: str) -> bool:
    """The element is inside the viewport at the top of the page and nothing covers its centre."""
    return page.evaluate(
        """(selector) => {
            window.scrollTo(0, 0);
            const node = document.querySelector(selector);
            if (!node || node.hidden) return false;
            const box = node.getBoundingClientRect();
            if (box.width === 0 || box.top < 0 || box.bottom > window.innerHeight) return false;
            const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
            return Boolean(hit && (hit === node || node.contains(hit)));
        }""",
        selector,
    )
