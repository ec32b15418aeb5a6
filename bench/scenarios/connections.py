"""Connections: N idle, authenticated sockets on one worker; then all closed; then churn.

Reports connects/s, server RSS before / at peak / after close (trap 6: memory that is
never returned) and Redis client counts before / during / after, including after a
burst of connect-disconnect churn (trap 5: leaked Redis connections). With
`args.held_broadcast_rates`, the broadcast scenario runs while the idle sockets are held.
"""

from __future__ import annotations

import asyncio
import time

from ..lobby import open_many
from ..probes import loadavg, redis_clients, rss_bytes
from . import Context, broadcast


async def wait_calm(ctx: Context, limit: float = 90.0) -> float:
    """Until the server's processes use under 5 % of a core for a second (disconnect work done)."""
    started = time.perf_counter()
    procs = ctx.server.processes()
    for proc in procs:
        proc.cpu_percent(None)
    while time.perf_counter() - started < limit:
        await asyncio.sleep(1.0)
        if sum(p.cpu_percent(None) for p in procs) < 5.0:
            break
    return round(time.perf_counter() - started, 1)


async def run(ctx: Context) -> dict:
    args = ctx.args
    seats = [(room["code"], seat) for room in ctx.seed["idle_rooms"] for seat in room["seats"]][: args.connections]
    workers = ctx.server.workers()
    rss_before = rss_bytes(workers)
    redis_before = redis_clients(ctx.redis_url, ctx.server.processes())

    pairs = [(ctx.socket_class(code, seat["player_id"]), seat["token"]) for code, seat in seats]
    peak = [rss_before]
    done = asyncio.Event()

    async def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes(workers))
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    ctx.profile_start(max(5, args.connections / 50))
    connect = await open_many(pairs, ctx.server.ws_url, concurrency=args.connect_concurrency, timeout=30)
    await asyncio.sleep(3)
    rss_held = rss_bytes(workers)
    redis_during = redis_clients(ctx.redis_url, ctx.server.processes())
    still_open = sum(1 for sock, _ in pairs if not sock.closed)
    done.set()
    await watcher
    profile = ctx.profile_stop()
    peak[0] = max(peak[0], rss_held)
    rates = getattr(args, "held_broadcast_rates", None)
    while_held = await broadcast.run(ctx, rates=rates) if rates else None
    still_open_after = sum(1 for sock, _ in pairs if not sock.closed)

    closing = time.perf_counter()
    await asyncio.gather(*(sock.close() for sock, _ in pairs))
    close_seconds = time.perf_counter() - closing
    # After close (memory returned? Redis clients released?) and churn: the server first works
    # through every disconnect, which takes about as long as the connects did.
    after_close = getattr(args, "after_close", True)
    settle = await wait_calm(ctx) if after_close else None
    rss_after = rss_bytes(workers) if after_close else None
    redis_after = redis_clients(ctx.redis_url, ctx.server.processes()) if after_close else None

    churn_pairs = [(ctx.socket_class(code, seat["player_id"]), seat["token"]) for code, seat in seats[: args.churn]]
    if not after_close:
        churn_pairs = []
    churn = await open_many(churn_pairs, ctx.server.ws_url, concurrency=args.connect_concurrency, timeout=30)
    await asyncio.gather(*(sock.close() for sock, _ in churn_pairs))
    if churn_pairs:
        await wait_calm(ctx)
    redis_after_churn = redis_clients(ctx.redis_url, ctx.server.processes()) if after_close else None

    opened = connect["opened"]
    mb = 2**20
    return {
        "worker_processes": len(workers),
        "requested": len(pairs),
        "connect": connect,
        "still_open_after_3s": still_open,
        "close_seconds": round(close_seconds, 2),
        "settle_seconds_after_close": settle,
        "memory": {
            "rss_before_mb": round(rss_before / mb, 1),
            "rss_held_mb": round(rss_held / mb, 1),
            "rss_peak_mb": round(peak[0] / mb, 1),
            "rss_after_close_mb": round(rss_after / mb, 1) if rss_after else None,
            "kb_per_socket_held": round((rss_held - rss_before) / 1024 / opened, 1) if opened else None,
            "kb_per_socket_not_returned": round((rss_after - rss_before) / 1024 / opened, 1)
            if opened and rss_after
            else None,
        },
        "redis_clients": {
            "before": redis_before,
            "during": redis_during,
            "after_close": redis_after,
            "after_churn": redis_after_churn,
        },
        "churn": {"sockets": len(churn_pairs), **churn},
        **({"broadcast_while_held": while_held, "still_open_after_broadcast": still_open_after} if rates else {}),
        "loadavg_after": loadavg(),
        **({"profile": profile} if profile else {}),
    }
