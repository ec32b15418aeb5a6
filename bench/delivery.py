"""From raw timestamps to delivery figures: latency to every socket, loss, gaps, order.

For each acknowledged update (room, version V, sent at t) and each socket of its room,
delivery is the first arrival of a roomStateUpdate with version >= V (a newer snapshot
contains the older change). Not within LOSS_WINDOW seconds of the send: lost.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

from .lobby import LobbySocket
from .stats import summarize_ms
from .writes import WriteResult

LOSS_WINDOW = 5.0


def _running_max(arrivals: list[tuple[float, int]]) -> tuple[list[int], list[float]]:
    """Arrival times at which the socket's highest version rose, and the versions reached."""
    versions, times = [], []
    best = -1
    for at, version in arrivals:
        if version > best:
            best = version
            versions.append(version)
            times.append(at)
    return versions, times


def analyse(results: list[WriteResult], sockets_by_room: dict[str, list[LobbySocket]]) -> dict:
    acked = [r for r in results if r.ok]
    curves = {id(s): _running_max(s.arrivals) for socks in sockets_by_room.values() for s in socks}
    latencies: list[float] = []
    lost = 0
    expected = 0
    slowest_per_update: list[float] = []
    for update in acked:
        worst = 0.0
        complete = True
        for sock in sockets_by_room.get(update.room, ()):
            expected += 1
            versions, times = curves[id(sock)]
            idx = bisect_left(versions, update.version)
            if idx == len(versions) or times[idx] - update.sent > LOSS_WINDOW:
                lost += 1
                complete = False
                continue
            latency = max(0.0, times[idx] - update.sent)
            latencies.append(latency)
            worst = max(worst, latency)
        if complete:  # time until the room's last socket had it; updates with a loss are counted above
            slowest_per_update.append(worst)

    produced: dict[str, set[int]] = defaultdict(set)
    for update in acked:
        produced[update.room].add(update.version)
    received = missing = sockets_with_gaps = out_of_order = duplicates = 0
    for room, socks in sockets_by_room.items():
        wanted = produced.get(room, set())
        for sock in socks:
            seen = set()
            best = -1
            for _, version in sock.arrivals:
                if version in seen:
                    duplicates += 1
                elif version < best:
                    out_of_order += 1
                seen.add(version)
                best = max(best, version)
            got = len(wanted & seen)
            received += got
            if got < len(wanted):
                sockets_with_gaps += 1
                missing += len(wanted) - got
    return {
        "delivery_latency_ms": summarize_ms(latencies),
        "last_socket_latency_ms": summarize_ms(slowest_per_update),
        "deliveries_expected": expected,
        "deliveries_lost": lost,
        "loss_rate": round(lost / expected, 6) if expected else None,
        "messages": {
            "expected": sum(len(produced.get(room, ())) * len(socks) for room, socks in sockets_by_room.items()),
            "received": received,
            "missing_versions": missing,
            "sockets_with_gaps": sockets_with_gaps,
            "out_of_order": out_of_order,
            "duplicates": duplicates,
        },
    }


def write_summary(results: list[WriteResult]) -> dict:
    errors: dict[str, int] = defaultdict(int)
    for r in results:
        if not r.ok:
            errors[r.error or "unknown"] += 1
    return {
        "sent": len(results),
        "ok": sum(1 for r in results if r.ok),
        "errors": dict(errors),
        "ack_latency_ms": summarize_ms([r.acked - r.sent for r in results if r.ok]),
    }
