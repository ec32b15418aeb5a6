"""Throughput: 32 closed-loop senders doing status updates for D seconds.

Over the REST API no socket listens (as in the reference measurement). Over the
lobby-socket fallback every seat's socket is open, because each write needs one;
then every update is also fanned out to the room's sockets, and the JSON says so.
"""

from __future__ import annotations

import asyncio
import itertools
import time

from ..delivery import write_summary
from ..lobby import LobbySocket, open_many
from ..probes import loadavg
from ..writes import HttpWriter, SocketWriter, probe_http_api
from . import Context, cpu_per_update


async def closed_loop(writer, seats: list[tuple[str, str]], senders: int, duration: float, first_index: int):
    """Each sender writes, waits for the answer, writes again; seats are dealt round-robin."""
    deadline = time.perf_counter() + duration
    counter = itertools.count(first_index)
    results = []

    async def sender(k: int) -> None:
        mine = seats[k::senders] or seats
        for n in itertools.count():
            if time.perf_counter() >= deadline:
                return
            code, player_id = mine[n % len(mine)]
            results.append(await writer.update(next(counter), code, player_id))

    started = time.perf_counter()
    await asyncio.gather(*(sender(k) for k in range(senders)))
    return results, time.perf_counter() - started


async def run(ctx: Context) -> dict:
    args = ctx.args
    rooms = [{**room, "seats": room["seats"][: args.clients_per_room]} for room in ctx.seed["rooms"][: args.rooms]]
    seats = [(room["code"], seat["player_id"]) for room in rooms for seat in room["seats"]]
    use_http, why = await probe_http_api(
        ctx.server.base_url, ctx.seed["api_key"].get("key"), rooms[0]["code"], rooms[0]["seats"][0]["player_id"]
    )
    sockets: list[LobbySocket] = []
    connect = None
    if use_http:
        writer = HttpWriter(
            ctx.server.base_url, ctx.seed["api_key"]["key"], max_connections=args.senders, client=args.http_client
        )
    else:
        pairs = [(ctx.socket_class(room["code"], s["player_id"]), s["token"]) for room in rooms for s in room["seats"]]
        connect = await open_many(pairs, ctx.server.ws_url, concurrency=50)
        sockets = [sock for sock, _ in pairs if not sock.closed]
        writer = SocketWriter({s.player_id: s for s in sockets})
        await asyncio.sleep(2)

    warmup = min(3.0, max(1.0, args.duration / 4))
    await closed_loop(writer, seats, args.senders, warmup, first_index=ctx.first_index())
    checks = await ctx.checks_start()
    meter = ctx.cpu_meter()
    meter.start()
    ctx.profile_start(args.duration)
    results, elapsed = await closed_loop(writer, seats, args.senders, args.duration, first_index=ctx.first_index())
    cpu = meter.stop()
    profile = ctx.profile_stop()
    await writer.aclose()
    await asyncio.gather(*(s.close() for s in sockets))
    writes = write_summary(results)
    verified = await ctx.checks_finish(checks, results)
    return {
        "write_path": writer.mode,
        "write_path_note": why,
        "senders": args.senders,
        "listening_sockets": len(sockets),
        "sockets": connect,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(writes["ok"] / elapsed, 1),
        "updates": writes,
        "cpu_seconds": cpu,
        "cpu_ms_per_update": cpu_per_update(cpu, writes["ok"]),
        **({"checks": verified} if verified else {}),
        "loadavg_after": loadavg(),
        **({"profile": profile} if profile else {}),
    }
