"""Prepare the benchmark database: migrate, seat players through the services, make an API key.

Runs as its own process (`python -m bench.seed ...`) with DATABASE_URL/REDIS_URL pointing
at the benchmark's database, so the load generator never imports Django. Writes a JSON
file with the rooms, seats (player id + session token) and the raw API key; that file
lives in .tmp/ (git-ignored) and the key never reaches the results.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Generous per-key limits: the benchmark measures the server, not the rate limiter.
BENCH_RATE_LIMITS = {"status": "1000000/m", "validation": "1000000/m", "read": "1000000/m"}
BENCH_SCOPES = ["rooms:read", "rooms:write", "status:write"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, required=True)
    parser.add_argument("--clients-per-room", type=int, required=True)
    parser.add_argument("--idle-seats", type=int, default=0, help="extra seats for the connections scenario")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gamebuddies.settings")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.monotonic()
    result = {
        "rooms": seed_rooms(args.rooms, args.clients_per_room, label="b"),
        "idle_rooms": seed_rooms(-(-args.idle_seats // 8), 8, label="i", total=args.idle_seats),
        "api_key": create_api_key(),
        "seconds": {"migrate": round(migrated - started, 2), "seed": round(time.monotonic() - migrated, 2)},
    }
    Path(args.out).write_text(json.dumps(result))


def seed_rooms(count: int, per_room: int, *, label: str, total: int | None = None) -> list[dict]:
    from gamebuddies.actors import Actor
    from rooms.services import room_create, room_join

    actor = Actor.system("bench")
    rooms = []
    remaining = total if total is not None else count * per_room
    for index in range(count):
        size = min(per_room, remaining)
        if size <= 0:
            break
        remaining -= size
        host = room_create(host_name=f"{label}{index}-0", actor=actor, max_players=max(per_room, 2))
        seats = [host]
        for seat in range(1, size):
            seats.append(room_join(room=host.room, display_name=f"{label}{index}-{seat}", actor=actor))
        rooms.append(
            {
                "code": host.room.room_code,
                "id": str(host.room.pk),
                "seats": [{"player_id": str(s.player.pk), "token": s.token} for s in seats],
            }
        )
    return rooms


def create_api_key() -> dict:
    """The key for HTTP writes, with its rate tiers lifted so they do not cap the measurement.

    Through gameapi.services.api_key_create (rate limits are a documented per-key
    override); failing that, `manage.py create_api_key`, whose last line is the raw key.
    None while neither exists: the scenarios then write over the lobby socket.
    """
    try:
        from gameapi.services import api_key_create
    except ImportError:
        api_key_create = None
    if api_key_create is not None:
        issued = api_key_create(service_name="bench", scopes=BENCH_SCOPES, rate_limits=BENCH_RATE_LIMITS)
        return {"key": issued.raw_key, "how": "gameapi.services.api_key_create", "rate_limits": BENCH_RATE_LIMITS}
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    try:
        call_command("create_api_key", "--service", "bench", "--scopes", ",".join(BENCH_SCOPES), stdout=out)
    except (CommandError, LookupError) as exc:
        return {"key": None, "reason": f"create_api_key unavailable: {exc}"[:200]}
    lines = [line.strip() for line in out.getvalue().splitlines() if line.strip()]
    raw = lines[-1] if lines else ""
    if not raw.startswith("gb_"):
        return {"key": None, "reason": "create_api_key printed no key on its last line"}
    return {"key": raw, "how": "manage.py create_api_key", "rate_limits": "platform defaults"}


if __name__ == "__main__":
    main()
