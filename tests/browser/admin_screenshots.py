"""Take docs/admin-room-timeline.png and docs/admin-keys.png: the staff room page and the key list.

Not a test: it makes its own throwaway SQLite database under .tmp/, fills it through the
services (a room with some history, a few keys with traffic), serves it with Uvicorn and
photographs the admin with Debian's Chromium:
    .venv/bin/python -m tests.browser.admin_screenshots
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB = ROOT / ".tmp" / "admin-screenshots.sqlite3"
PASSWORD = "screenshot-only-password"  # noqa: S105 - a throwaway local database


def _django() -> None:
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gamebuddies.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo_data", verbosity=0)


def _seed() -> str:
    """A room with a game played, a player dropped, kicked and a host handed on; keys with traffic."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from gameapi.models import ApiRequest
    from gameapi.services import api_key_create, api_key_revoke, api_key_rotate
    from gamebuddies.actors import Actor
    from rooms import services
    from tests.factories import player_actor

    get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
    system = Actor.system("worker")
    staff = Actor.staff(label="admin:sam", permissions={"rooms.kick_member", "rooms.transfer_host"})
    host = services.room_create(host_name="Maya", actor=Actor.visitor(), game_slug="quiz")
    room = host.room
    seats = [host] + [
        services.room_join(room=room.pk, display_name=name, actor=Actor.visitor())
        for name in ("Jonas", "Priya", "Tariq")
    ]
    services.member_set_ready(room=room.pk, player_id=seats[1].player.pk, ready=True, actor=player_actor(seats[1]))
    services.game_select(room=room.pk, game_slug="quiz", settings={"rounds": 3}, actor=player_actor(host))
    services.game_start(room=room.pk, actor=player_actor(host))
    services.update_player_status(
        room=room.pk, player_id=seats[2].player.pk, status="disconnected", actor=system, reason="heartbeat timeout"
    )
    services.game_end(room=room.pk, actor=system, result={"winner": "Jonas", "scores": {"Jonas": 7, "Maya": 5}})
    services.member_kick(room=room.pk, target_player_id=seats[3].player.pk, actor=staff)
    services.host_transfer(room=room.pk, new_host_id=seats[1].player.pk, actor=staff)

    now = timezone.now()
    keys = [
        api_key_create(
            service_name="quiz-server", scopes=["rooms:read", "rooms:write", "status:write"], game_slug="quiz"
        ),
        api_key_create(service_name="reaction-server", scopes=["rooms:read", "status:write", "webhooks"]),
        api_key_create(service_name="stats-export", scopes=["rooms:read"]),
    ]
    for count, issued in zip((42, 17, 3), keys, strict=True):
        ApiRequest.objects.bulk_create(
            ApiRequest(
                api_key=issued.api_key,
                method="POST",
                path=f"/api/v2/rooms/{room.room_code}/players/{host.player.pk}/status",
                status_code=200,
                duration_ms=4.2,
                request_id=f"req-{count}-{n}",
                created_at=now - timedelta(minutes=n * 7),
            )
            for n in range(count)
        )
    api_key_rotate(api_key=keys[1].api_key)
    api_key_revoke(api_key=keys[2].api_key)
    return str(room.pk)


def main() -> None:
    _django()
    room_id = _seed()
    from playwright.sync_api import sync_playwright

    from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, CSP_VIOLATION
    from tests.live import running_server

    docs = ROOT / "docs"
    with running_server() as base_url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1360, "height": 900}, device_scale_factor=1).new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if CSP_VIOLATION.search(m.text) else None)
        page.goto(base_url + "/admin/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")
        page.goto(f"{base_url}/admin/rooms/room/{room_id}/change/?at=6#state")
        page.locator("#toggle-nav-sidebar").click()  # more room for the tables (the browser remembers it)
        page.reload()
        page.locator("#timeline").scroll_into_view_if_needed()
        page.screenshot(path=str(docs / "admin-room-timeline.png"), full_page=True)
        page.set_viewport_size({"width": 1500, "height": 640})
        page.goto(base_url + "/admin/gameapi/apikey/")
        page.screenshot(path=str(docs / "admin-keys.png"), full_page=True)
        browser.close()
    if problems:
        raise SystemExit(f"CSP violations on the admin pages: {problems}")
    print("wrote docs/admin-room-timeline.png and docs/admin-keys.png")


if __name__ == "__main__":
    main()
