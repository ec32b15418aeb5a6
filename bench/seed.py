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
import uuid
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
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
    parser.add_argument("--game-end-sizes", default="", help="comma-separated room sizes for the game-end scenario")
    parser.add_argument("--game-end-rooms", type=int, default=0, help="rooms in a game per size (plus one warm-up)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="seeding processes for idle seats")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.db import connections

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.monotonic()
    connections.close_all()  # before the helper processes start
    sizes = [int(size) for size in args.game_end_sizes.split(",") if size.strip()]
    with ProcessPoolExecutor(max(1, args.processes), mp_context=get_context("spawn"), initializer=setup_django) as pool:
        # The idle seats (thousands) are seeded by helper processes while this one seeds the rest.
        shares = _split(args.idle_seats, args.processes if args.idle_seats >= 400 else 1)
        idle_parts = [pool.submit(seed_idle, share, f"i{k}-") for k, share in enumerate(shares) if share]
        fast_commits()
        result = {
            "rooms": seed_rooms(args.rooms, args.clients_per_room, label="b"),
            "game_end_rooms": seed_game_end_rooms(sizes, args.game_end_rooms) if args.game_end_rooms else {},
            "api_key": create_api_key(),
        }
        result["idle_rooms"] = [room for part in idle_parts for room in part.result()]
    result["seconds"] = {"migrate": round(migrated - started, 2), "seed": round(time.monotonic() - migrated, 2)}
    Path(args.out).write_text(json.dumps(result))


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gamebuddies.settings")
    import django

    django.setup()


def _split(total: int, parts: int) -> list[int]:
    """`total` seats in `parts` shares of whole 8-seat rooms (the last share takes the rest)."""
    rooms = -(-total // 8)
    shares = [rooms // parts * 8] * (parts - 1)
    return [*shares, total - sum(shares)]


def seed_idle(seats: int, label: str) -> list[dict]:
    fast_commits()
    return seed_rooms(-(-seats // 8), 8, label=label, total=seats)


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


def fast_commits() -> None:
    """This process's own commits skip the WAL flush wait (the servers' settings are untouched)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


BENCH_GAME = "bench-game"


def seed_game_end_rooms(sizes: list[int], per_size: int) -> dict:
    """Rooms of each size with every seat connected and a game running, through the services.

    {"warmup": code, "2": [codes], "8": [codes], ...}; the warm-up room (2 seats) is ended
    first and not counted, so the first measured call pays no first-request costs.
    """
    from gamebuddies.actors import Actor
    from rooms.models import Game
    from rooms.services import game_select, game_start, member_connect

    Game.objects.update_or_create(
        slug=BENCH_GAME,
        defaults={"name": "Bench game", "launch_url": "/bench-game/", "min_players": 1, "max_players": 100},
    )
    system = Actor.system("bench")

    def in_game(size: int, label: str) -> str:
        room = seed_rooms(1, size, label=label)[0]
        room_id = uuid.UUID(room["id"])
        players = [uuid.UUID(seat["player_id"]) for seat in room["seats"]]
        for player_id in players:
            member_connect(room=room_id, player_id=player_id, channel_name=f"bench.{label}", actor=system)
        host = Actor.player(player_id=players[0], room_id=room_id)
        game_select(room=room_id, game_slug=BENCH_GAME, settings=None, actor=host)
        game_start(room=room_id, actor=host)
        return room["code"]

    rooms = {"warmup": in_game(2, "gw")}
    for size in sizes:
        rooms[str(size)] = [in_game(size, f"g{size}-{k}") for k in range(per_size)]
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
