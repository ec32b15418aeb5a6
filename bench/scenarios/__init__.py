"""The scenarios: broadcast, throughput, connections, game_end. Each returns a JSON-ready dict."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..lobby import LobbySocket
from ..probes import CpuMeter, postgres_backends, redis_server_processes
from ..profiling import Profiler
from ..server import Server

INDEX_BLOCK = 1_000_000  # update indices of one load run; the status body carries them as metadata.n


@dataclass
class Context:
    server: Server
    seed: dict
    args: object
    dbname: str | None
    redis_url: str
    profiler: Profiler | None = None
    # The socket client: LobbySocket (GameBuddies, floor) or SocketIOSocket (the Node peer).
    socket_class: type = LobbySocket
    # Durability checks around each measured load run (GameBuddies only): bench/checks.py.
    checks: object | None = None
    # Counts what the server sends to PostgreSQL (game_end): bench/pgproxy.py.
    query_counter: object | None = None
    _blocks: itertools.count = field(default_factory=lambda: itertools.count(1))

    def first_index(self) -> int:
        """A fresh block of update indices, so no two runs against one database share one."""
        return next(self._blocks) * INDEX_BLOCK

    async def checks_start(self) -> object:
        return await self.checks.start() if self.checks is not None else None

    async def checks_finish(self, token: object, results: list) -> dict | None:
        return await self.checks.finish(token, results) if self.checks is not None else None

    def profile_start(self, seconds: float) -> None:
        if self.profiler is not None:
            self.profiler.start([p.pid for p in self.server.workers()], seconds)

    def profile_stop(self) -> dict | None:
        return self.profiler.stop() if self.profiler is not None else None

    def cpu_meter(self) -> CpuMeter:
        return CpuMeter(
            {
                "server": self.server.processes,
                "postgres": lambda: postgres_backends(self.dbname) if self.dbname else [],
                "redis": redis_server_processes,
            }
        )


def cpu_per_update(cpu: dict, updates: int) -> dict:
    """Milliseconds of CPU per successful update, by process group."""
    if not updates:
        return {}
    per = {
        name: round(cpu[name] * 1000 / updates, 3)
        for name in ("server", "postgres", "redis", "generator")
        if cpu.get(name) is not None
    }
    per["server_postgres_redis"] = round(sum(per.get(name, 0.0) for name in ("server", "postgres", "redis")), 3)
    return per
