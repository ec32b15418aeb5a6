"""Game end: POST /api/v2/rooms/{code}/game-end for rooms of 2, 8 and 50 players in a game.

One call at a time on a quiet server whose database connections go through the counting
proxy (bench/pgproxy.py): for each call, its time over HTTP and the statements and round
trips it sent to PostgreSQL. Query counts should not grow with the room (the service ends
a game with one UPDATE whatever the number of players). The rooms are seeded in a game by
bench/seed.py; a warm-up room is ended first and not counted.
"""

from __future__ import annotations

import asyncio
import time
from statistics import median
from urllib.parse import urlsplit

from ..probes import loadavg
from ..rawhttp import RawHttpClient
from ..stats import summarize_ms
from . import Context

SETTLE_SECONDS = 0.2  # after-commit work of the previous call is done before counting the next


async def end_game(client: RawHttpClient, code: str) -> tuple[float, int, dict]:
    started = time.perf_counter()
    response = await client.post(
        f"/api/v2/rooms/{code}/game-end", json={"gameResult": {"winner": "bench"}, "returnPlayers": True}
    )
    elapsed = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        body = {}
    return elapsed, response.status_code, body


async def run(ctx: Context) -> dict:
    rooms = ctx.seed.get("game_end_rooms") or {}
    counter = ctx.query_counter
    url = urlsplit(ctx.server.base_url)
    client = RawHttpClient(url.hostname, url.port, {"X-API-Key": ctx.seed["api_key"]["key"]}, max_connections=1)
    result: dict = {"counted_by": "bench/pgproxy.py" if counter else None, "sizes": {}}
    try:
        if "warmup" in rooms:
            _, status, _ = await end_game(client, rooms["warmup"])
            result["warmup_status"] = status
        for size, codes in rooms.items():
            if size == "warmup":
                continue
            result["sizes"][size] = await measure_size(ctx, client, counter, int(size), codes)
    finally:
        await client.aclose()
    statements = {size: r["statements"]["median"] for size, r in result["sizes"].items() if r["statements"]}
    result["statements_flat_in_room_size"] = len(set(statements.values())) <= 1 if statements else None
    result["loadavg_after"] = loadavg()
    return result


async def measure_size(ctx: Context, client: RawHttpClient, counter, size: int, codes: list[str]) -> dict:
    times, statements, round_trips, returned, errors = [], [], [], [], {}
    meter = ctx.cpu_meter()
    meter.start()
    for code in codes:
        await asyncio.sleep(SETTLE_SECONDS)
        before = counter.counts() if counter else None
        elapsed, status, body = await end_game(client, code)
        await asyncio.sleep(SETTLE_SECONDS)
        if status != 200:
            key = f"http_{status}:{(body.get('error') or {}).get('code', '')}"
            errors[key] = errors.get(key, 0) + 1
            continue
        times.append(elapsed)
        returned.append(body.get("playersReturned"))
        if counter:
            after = counter.counts()
            statements.append(after["statements"] - before["statements"])
            round_trips.append(after["round_trips"] - before["round_trips"])
    cpu = meter.stop()
    ok = len(times)

    def spread(values):
        return {"median": median(values), "min": min(values), "max": max(values)} if values else None

    return {
        "players": size,
        "calls": len(codes),
        "ok": ok,
        "errors": errors,
        "players_returned": sorted(set(returned)),
        "latency_ms": summarize_ms(times),
        "statements": spread(statements),
        "round_trips": spread(round_trips),
        # CPU over the whole loop, settle pauses included (the server is idle then).
        "server_cpu_ms_per_call": round(cpu["server"] * 1000 / ok, 3) if ok else None,
        "postgres_cpu_ms_per_call": round(cpu["postgres"] * 1000 / ok, 3) if ok else None,
    }
