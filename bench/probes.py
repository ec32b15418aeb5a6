"""What the run cost: CPU seconds and RSS of the server, the database, Redis, the generator
and the rest of the machine (other people's work on a shared box shows up as `other`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import psutil
import redis

from .stats import rounded


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def postgres_backends(dbname: str) -> list[psutil.Process]:
    """PostgreSQL backend processes serving our database (process title names the db)."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if cmdline.startswith("postgres:") and f" {dbname} " in cmdline:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def redis_server_processes() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("redis-server")]


class CpuMeter:
    """CPU seconds spent by groups of processes between start() and stop()."""

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]]):
        self.groups = groups
        self._start: dict[str, dict[int, float]] = {}
        self._t0 = 0.0
        self._machine0 = None
        self._self0 = 0.0

    def _snapshot(self) -> dict[str, dict[int, float]]:
        snap: dict[str, dict[int, float]] = {}
        for name, finder in self.groups.items():
            snap[name] = {}
            for proc in finder():
                try:
                    snap[name][proc.pid] = _cpu_seconds(proc)
                except psutil.NoSuchProcess:
                    continue
        return snap

    def start(self) -> None:
        self._start = self._snapshot()
        self._t0 = time.monotonic()
        self._machine0 = psutil.cpu_times()
        self._self0 = time.process_time()

    def stop(self) -> dict:
        end = self._snapshot()
        wall = time.monotonic() - self._t0
        machine1 = psutil.cpu_times()
        used = {}
        for name, pids in end.items():
            before = self._start.get(name, {})
            # Processes born during the window count from zero.
            used[name] = sum(max(0.0, secs - before.get(pid, 0.0)) for pid, secs in pids.items())
        used["generator"] = time.process_time() - self._self0
        busy = _busy(machine1) - _busy(self._machine0)
        result = {name: rounded(secs, 3) for name, secs in used.items()}
        # Per server process: shows whether the kernel spread connections over the workers.
        result["server_by_process"] = sorted(
            (
                rounded(secs - self._start.get("server", {}).get(pid, 0.0), 3)
                for pid, secs in end.get("server", {}).items()
            ),
            reverse=True,
        )
        result["machine_busy"] = rounded(busy, 3)
        result["other"] = rounded(max(0.0, busy - sum(used.values())), 3)
        result["wall"] = rounded(wall, 3)
        result["cores"] = psutil.cpu_count()
        result["generator_core_share"] = rounded(used["generator"] / wall if wall else None, 3)
        return result


def _busy(times) -> float:
    return times.user + times.system + getattr(times, "nice", 0) + getattr(times, "irq", 0) + times.softirq


def rss_bytes(procs: list[psutil.Process]) -> int:
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def redis_clients(redis_url: str, server_procs: list[psutil.Process]) -> dict:
    """Redis's own client count (whole instance, shared box) and the server's own sockets to it."""
    port = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs.get("port", 6379)
    try:
        connected = redis.Redis.from_url(redis_url).info("clients")["connected_clients"]
    except redis.RedisError:
        connected = None
    ours = 0
    time_wait = 0
    for proc in server_procs:
        try:
            for conn in proc.net_connections(kind="tcp"):
                if conn.raddr and conn.raddr.port == port:
                    ours += conn.status == psutil.CONN_ESTABLISHED
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    for conn in psutil.net_connections(kind="tcp"):
        if conn.raddr and conn.raddr.port == port and conn.status == psutil.CONN_TIME_WAIT:
            time_wait += 1
    return {"redis_connected_clients": connected, "server_redis_sockets": ours, "time_wait_to_redis": time_wait}


def wait_for_quiet(max_seconds: float, threshold_pct: float = 15.0) -> dict:
    """On a shared box, wait (bounded) until the rest of the machine is nearly idle."""
    started = time.monotonic()
    reading = psutil.cpu_percent(interval=1.0)
    while reading > threshold_pct and time.monotonic() - started < max_seconds:
        reading = psutil.cpu_percent(interval=1.0)
    return {"waited_seconds": round(time.monotonic() - started, 1), "machine_cpu_pct_at_start": reading}


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
