"""Broadcast: R rooms x C sockets, status updates at a fixed total rate (open loop).

Measures, for every update, the time from the write's send to the arrival of a
snapshot at least that new at every socket of the room; plus loss, gaps, write
latency, CPU per update and RSS per socket.
"""

from __future__ import annotations

import asyncio
import time

from ..delivery import LOSS_WINDOW, analyse, write_summary
from ..lobby import LobbySocket, open_many
from ..probes import loadavg, redis_clients, rss_bytes
from ..stats import summarize_ms
from ..writes import HttpWriter, SocketWriter, WriteResult, probe_http_api
from . import Context, cpu_per_update


def targets(rooms: list[dict], count: int):
    """Update i goes to room i % R, seat (i // R) % C: rooms evenly, seats in turn."""
    for index in range(count):
        room = rooms[index % len(rooms)]
        seat = room["seats"][(index // len(rooms)) % len(room["seats"])]
        yield index, room["code"], seat["player_id"]


async def open_loop(writer, rooms: list[dict], rate: float, duration: float, first_index: int) -> tuple[list, dict]:
    """Fire updates on a fixed schedule regardless of how fast answers come back."""
    count = int(rate * duration)
    tasks: list[asyncio.Task] = []
    lags: list[float] = []
    start = time.perf_counter() + 0.05
    for offset, (index, code, player_id) in enumerate(targets(rooms, count)):
        due = start + offset / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(max(0.0, time.perf_counter() - due))
        tasks.append(asyncio.create_task(writer.update(first_index + index, code, player_id)))
    scheduled_for = time.perf_counter() - start
    results: list[WriteResult] = await asyncio.gather(*tasks)
    return results, {
        "schedule_lag_ms": summarize_ms(lags),
        "achieved_rate": round(count / scheduled_for, 1),
    }


async def wait_delivered(results: list[WriteResult], sockets_by_room: dict[str, list[LobbySocket]]) -> float:
    """Until every socket saw its room's newest acked version, or LOSS_WINDOW passed."""
    newest: dict[str, int] = {}
    for r in results:
        if r.ok:
            newest[r.room] = max(newest.get(r.room, 0), r.version)
    started = time.perf_counter()
    while time.perf_counter() - started < LOSS_WINDOW:
        if all(s.max_version >= v for room, v in newest.items() for s in sockets_by_room[room] if not s.closed):
            break
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def sample_rss(ctx: Context, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes(ctx.server.workers()))
        await asyncio.sleep(0.5)


async def run(ctx: Context, rates: list[float] | None = None) -> dict:
    """One set of sockets, then one measured window per rate (args.rate alone: the flat result)."""
    args = ctx.args
    rooms = [{**room, "seats": room["seats"][: args.clients_per_room]} for room in ctx.seed["rooms"][: args.rooms]]
    rss_before = rss_bytes(ctx.server.workers())
    redis_before = redis_clients(ctx.redis_url, ctx.server.processes())

    sockets_by_room: dict[str, list[LobbySocket]] = {}
    pairs = []
    for room in rooms:
        for seat in room["seats"]:
            sock = ctx.socket_class(room["code"], seat["player_id"])
            sockets_by_room.setdefault(room["code"], []).append(sock)
            pairs.append((sock, seat["token"]))
    connect = await open_many(pairs, ctx.server.ws_url, concurrency=50)
    await asyncio.sleep(3)  # let the connect broadcasts settle before measuring memory
    rss_connected = rss_bytes(ctx.server.workers())
    live = [s for socks in sockets_by_room.values() for s in socks if not s.closed]

    use_http, why = await probe_http_api(
        ctx.server.base_url, ctx.seed["api_key"].get("key"), rooms[0]["code"], rooms[0]["seats"][0]["player_id"]
    )
    writer = (
        HttpWriter(ctx.server.base_url, ctx.seed["api_key"]["key"], client=args.http_client)
        if use_http
        else SocketWriter({s.player_id: s for s in live})
    )
    measured = {}
    for rate in rates or [args.rate]:
        warmup = 1.0 if measured else min(3.0, max(1.0, args.duration / 4))  # the server is warm after the first
        measured[f"{rate:g}"] = await measure(ctx, writer, rooms, sockets_by_room, live, rate, rss_connected, warmup)
    await writer.aclose()
    dropped_sockets = sum(1 for s in live if s.closed)
    await asyncio.gather(*(s.close() for socks in sockets_by_room.values() for s in socks))
    common = {
        "write_path": writer.mode,
        "write_path_note": why,
        "sockets": {**connect, "closed_during_run": dropped_sockets},
        "snapshot_bytes": max((s.state_bytes for s in live), default=None),
        "memory": {
            "server_rss_before_mb": round(rss_before / 2**20, 1),
            "server_rss_connected_mb": round(rss_connected / 2**20, 1),
            "rss_per_socket_kb": round((rss_connected - rss_before) / 1024 / len(live), 1) if live else None,
        },
        "redis_clients_before": redis_before,
    }
    if rates is None:
        only = next(iter(measured.values()))
        return {**common, **only, "memory": {**common["memory"], **only.pop("memory")}}
    return {**common, "rates": measured}


async def measure(
    ctx: Context, writer, rooms, sockets_by_room, live, rate: float, rss_connected: int, warmup: float
) -> dict:
    """Warm up, then `duration` seconds at `rate` updates/s, then wait for the deliveries."""
    args = ctx.args
    await open_loop(writer, rooms, rate, warmup, first_index=ctx.first_index())
    await asyncio.sleep(1.0)

    for sock in live:
        sock.arrivals.clear()
        sock.recording = True
    peak = [rss_connected]
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(ctx, peak, stop))
    checks = await ctx.checks_start()
    meter = ctx.cpu_meter()
    meter.start()
    ctx.profile_start(args.duration)
    results, schedule = await open_loop(writer, rooms, rate, args.duration, first_index=ctx.first_index())
    drain = await wait_delivered(results, sockets_by_room)
    cpu = meter.stop()
    profile = ctx.profile_stop()
    stop.set()
    await sampler
    for sock in live:
        sock.recording = False
    redis_during = redis_clients(ctx.redis_url, ctx.server.processes())

    alive = set(live)
    delivery = analyse(results, {code: [s for s in socks if s in alive] for code, socks in sockets_by_room.items()})
    writes = write_summary(results)
    verified = await ctx.checks_finish(checks, results)
    return {
        "rate": rate,
        "updates": writes,
        "schedule": schedule,
        "drain_seconds": round(drain, 3),
        **delivery,
        "cpu_seconds": cpu,
        "cpu_ms_per_update": cpu_per_update(cpu, writes["ok"]),
        "memory": {"server_rss_peak_mb": round(peak[0] / 2**20, 1)},
        "redis_clients_during": redis_during,
        **({"checks": verified} if verified else {}),
        "loadavg_after": loadavg(),
        **({"profile": profile} if profile else {}),
    }
