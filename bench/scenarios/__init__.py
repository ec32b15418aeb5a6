"""The scenarios: broadcast, throughput, connections. Each returns a JSON-ready dict."""

from __future__ import annotations

from dataclasses import dataclass

from ..probes import CpuMeter, postgres_backends, redis_server_processes
from ..profiling import Profiler
from ..server import Server


@dataclass
class Context:
    server: Server
    seed: dict
    args: object
    dbname: str
    redis_url: str
    profiler: Profiler | None = None

    def profile_start(self, seconds: float) -> None:
        if self.profiler is not None:
            self.profiler.start([p.pid for p in self.server.workers()], seconds)

    def profile_stop(self) -> dict | None:
        return self.profiler.stop() if self.profiler is not None else None

    def cpu_meter(self) -> CpuMeter:
        return CpuMeter(
            {
                "server": self.server.processes,
                "postgres": lambda: postgres_backends(self.dbname),
                "redis": redis_server_processes,
            }
        )


def cpu_per_update(cpu: dict, updates: int) -> dict:
    """Milliseconds of CPU per successful update, by process group."""
    if not updates:
        return {}
    return {
        name: round(cpu[name] * 1000 / updates, 3)
        for name in ("server", "postgres", "redis", "generator")
        if cpu.get(name) is not None
    }
