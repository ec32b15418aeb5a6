"""GameBuddies benchmark: real PostgreSQL, real Redis, real ASGI worker processes.

    .venv/bin/python bench/run.py --scenario all --server uvicorn --layer pubsub --workers 2
    .venv/bin/python bench/run.py --quick            # smoke run, under a minute

Creates a fresh database, seeds rooms and seats through the services, starts the
server as subprocesses and drives it from this process (asyncio + websockets + httpx).
Prints one JSON object (config + results) and saves one file per scenario under
bench/results/. Method and figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import probes  # noqa: E402
from bench.profiling import Profiler  # noqa: E402
from bench.scenarios import Context, broadcast, connections, throughput  # noqa: E402
from bench.server import running_server, server_env  # noqa: E402

SCENARIOS = {"broadcast": broadcast, "throughput": throughput, "connections": connections}
RESULTS_DIR = ROOT / "bench" / "results"
QUICK = {
    "rooms": 10, "clients_per_room": 4, "rate": 40.0, "duration": 4.0,
    "connections": 200, "churn": 50, "connect_concurrency": 50, "quiet_wait": 5.0,
}  # fmt: skip


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the broadcast path, write throughput and idle connections (prints JSON).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--scenario", default="all", help=f"one of {', '.join(SCENARIOS)}, a comma-separated list of them, or all"
    )
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--layer", choices=["pubsub", "core"], default="pubsub", help="CHANNEL_LAYER of the app")
    parser.add_argument("--workers", type=int, default=2, help="server processes for broadcast/throughput")
    parser.add_argument(
        "--listen",
        choices=["shared", "reuseport"],
        default="shared",
        help="shared: Uvicorn --workers (Daphne: N processes, one socket); reuseport: one SO_REUSEPORT socket each",
    )
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--clients-per-room", type=int, default=8)
    parser.add_argument("--rate", type=float, default=200.0, help="status updates per second, all rooms together")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (after a short warm-up)")
    parser.add_argument("--senders", type=int, default=32, help="closed-loop senders in the throughput scenario")
    parser.add_argument("--connections", type=int, default=5000, help="idle sockets in the connections scenario")
    parser.add_argument("--connections-workers", type=int, default=1, help="server processes for connections")
    parser.add_argument("--connect-concurrency", type=int, default=100, help="handshakes in flight at once")
    parser.add_argument("--churn", type=int, default=500, help="open-then-close sockets after the idle test")
    parser.add_argument("--db", default="gb_bench", help="database to (re)create on the server below")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="Redis for cache + channel layer")
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute: a smoke run")
    parser.add_argument("--no-save", action="store_true", help="print only, write nothing under bench/results")
    parser.add_argument(
        "--settings", default="gamebuddies.settings", help="server's DJANGO_SETTINGS_MODULE (see bench/experiments)"
    )
    parser.add_argument("--http-client", choices=["raw", "httpx"], default="raw", help="generator's HTTP client")
    parser.add_argument("--quiet-wait", type=float, default=120.0, help="max seconds to wait for an idle machine")
    parser.add_argument("--profile", action="store_true", help="py-spy the workers during the measured window")
    parser.add_argument("--note", default="", help="free text stored with the results")
    args = parser.parse_args(argv)
    names = list(SCENARIOS) if args.scenario == "all" else args.scenario.split(",")
    if not names or any(name not in SCENARIOS for name in names):
        parser.error(f"--scenario: choose from {', '.join(SCENARIOS)} or all")
    args.scenarios = names
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    return args


def recreate_database(pg_url: str, dbname: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def seed(args, env: dict) -> dict:
    needs_idle = "connections" in args.scenarios
    idle = max(args.connections, args.churn) if needs_idle else 0
    return seed_database(env, rooms=args.rooms, clients_per_room=args.clients_per_room, idle_seats=idle)


def seed_database(
    env: dict, *, rooms: int, clients_per_room: int, idle_seats: int = 0, game_end_sizes=(), game_end_rooms: int = 0
) -> dict:
    """Run bench/seed.py in its own process against the server's database; its JSON result."""
    out = ROOT / ".tmp" / f"bench-seed-{os.getpid()}.json"
    out.parent.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "bench.seed", "--rooms", str(rooms), "--clients-per-room", str(clients_per_room),
        "--idle-seats", str(idle_seats), "--game-end-sizes", ",".join(str(size) for size in game_end_sizes),
        "--game-end-rooms", str(game_end_rooms), "--out", str(out),
    ]  # fmt: skip
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)  # it holds raw tokens and the API key


def environment() -> dict:
    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        git = {"commit": commit.stdout.strip(), "uncommitted_changes": bool(dirty.stdout.strip())}
    except OSError:
        git = None
    packages = ["django", "channels", "channels-redis", "uvicorn", "daphne", "websockets", "psycopg", "redis", "httpx"]
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "packages": {name: version(name) for name in packages},
        "git": git,
        "loadavg_before": probes.loadavg(),
    }


def run_scenario(name: str, args, seed_data: dict, env: dict) -> dict:
    workers = args.connections_workers if name == "connections" else args.workers
    log_dir = ROOT / ".tmp"
    with running_server(kind=args.server, workers=workers, env=env, log_dir=log_dir, listen=args.listen) as server:
        profiler = Profiler(log_dir, f"{name}-{args.server}-{args.layer}") if args.profile else None
        ctx = Context(
            server=server, seed=seed_data, args=args, dbname=args.db, redis_url=args.redis_url, profiler=profiler
        )
        quiet = probes.wait_for_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
        started = time.monotonic()
        result = _event_loop_run(SCENARIOS[name].run(ctx))
        result["scenario_seconds"] = round(time.monotonic() - started, 1)
        result["machine_before_start"] = quiet
        result["server_workers"] = workers
    return result


def _event_loop_run(coro):
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def config_of(args) -> dict:
    keys = [
        "scenario", "server", "layer", "listen", "workers", "rooms", "clients_per_room", "rate", "duration",
        "senders", "connections", "connections_workers", "connect_concurrency", "churn", "http_client",
        "settings", "quick", "profile", "note",
    ]  # fmt: skip
    return {key: getattr(args, key) for key in keys}


def main(argv=None) -> dict:
    # A terminated run still stops the servers it started (the context managers' finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args(argv)
    names = args.scenarios
    database_url = f"{args.pg}/{args.db}"
    env = server_env(
        database_url=database_url,
        redis_url=args.redis_url,
        layer=args.layer,
        prefix=f"gbbench{os.getpid()}",
        settings=args.settings,
    )
    report = {"config": config_of(args), "environment": environment(), "setup": {}, "results": {}}
    started = time.monotonic()
    recreate_database(args.pg, args.db)
    seed_data = seed(args, env)
    key_info = seed_data["api_key"]
    report["setup"] = {
        "seconds": seed_data["seconds"],
        "api_key": key_info.get("how") if key_info.get("key") else key_info.get("reason"),
        "api_key_rate_limits": key_info.get("rate_limits"),
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in names:
        report["results"][name] = run_scenario(name, args, seed_data, env)
        if not args.no_save:
            RESULTS_DIR.mkdir(exist_ok=True)
            single = {**report, "results": {name: report["results"][name]}}
            variant = "" if args.settings == "gamebuddies.settings" else "-" + args.settings.rsplit(".", 1)[-1]
            variant += "-reuseport" if args.listen == "reuseport" else ""
            path = (
                RESULTS_DIR / f"{stamp}-{name}-{args.server}-{args.layer}{variant}{'-quick' if args.quick else ''}.json"
            )
            path.write_text(json.dumps(single, indent=1) + "\n")
    report["total_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
