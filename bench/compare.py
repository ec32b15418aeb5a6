"""One invocation, one load generator, three systems: the bare-Channels floor, the Socket.IO peer
and GameBuddies, measured back to back with the same load (issue 15, "The benchmark").

    .venv/bin/python bench/compare.py            # make bench: the whole comparison, < 10 minutes
    .venv/bin/python bench/compare.py --quick    # make bench-quick: smoke run, < 2 minutes
    .venv/bin/python bench/compare.py --table bench/results/<file>.json   # a saved run's table again

Scenarios: throughput (closed-loop senders) and broadcast (rooms x sockets at each rate) for
all three; idle sockets on one worker (then a broadcast while they are held), and game end
for rooms of several sizes, for GameBuddies. After each GameBuddies load run: acknowledged
updates missing from player_status_history, and conflict retries (bench/checks.py).
Saves one JSON file under bench/results/ and prints one table (bench/table.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import probes  # noqa: E402
from bench.checks import ProductChecks  # noqa: E402
from bench.lobby import SocketIOSocket  # noqa: E402
from bench.pgproxy import QueryCountingProxy  # noqa: E402
from bench.run import _event_loop_run, environment, recreate_database, seed_database  # noqa: E402
from bench.scenarios import Context, broadcast, connections, game_end, throughput  # noqa: E402
from bench.server import running_server, server_env  # noqa: E402
from bench.table import render  # noqa: E402

TARGETS = ("floor", "peer", "product")
SCENARIOS = ("throughput", "broadcast", "idle", "game_end")
FLOOR_APP = "bench.floor.asgi:application"
PEER_DIR = ROOT / "bench" / "peers" / "socketio"
RESULTS_DIR = ROOT / "bench" / "results"
QUICK = {
    "rooms": 10, "duration": 2.0, "connections": 200, "churn": 20, "game_end_rooms": 1, "quiet_wait": 0.0,
}  # fmt: skip


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def _names(allowed):
    def parse(text: str) -> list[str]:
        names = [part.strip() for part in text.split(",") if part.strip()]
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}")
        return names

    return parse


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Floor, Socket.IO peer and GameBuddies under the same load; one JSON file and one table.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--targets", type=_names(TARGETS), default=list(TARGETS), help="comma-separated")
    parser.add_argument("--scenarios", type=_names(SCENARIOS), default=list(SCENARIOS), help="comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of GameBuddies and the floor")
    parser.add_argument(
        "--listen", choices=["reuseport", "shared"], default="reuseport",
        help="reuseport: one SO_REUSEPORT socket per worker (balanced); shared: uvicorn --workers",
    )  # fmt: skip
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--clients-per-room", type=int, default=8)
    parser.add_argument("--rates", type=_floats, default=[50.0, 200.0], help="broadcast updates/s, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds of each load run")
    parser.add_argument("--senders", type=int, default=32, help="closed-loop senders (throughput)")
    parser.add_argument("--connections", type=int, default=5000, help="idle sockets on one GameBuddies worker")
    parser.add_argument(
        "--held-rates", type=_floats, default=[50.0], help="broadcast rates while the idle sockets are held ('' none)"
    )
    parser.add_argument("--connect-concurrency", type=int, default=100, help="handshakes in flight (idle sockets)")
    parser.add_argument(
        "--idle-after-close", action="store_true",
        help="after the idle sockets close: wait for the server to settle, RSS and Redis clients, then --churn",
    )  # fmt: skip
    parser.add_argument("--churn", type=int, default=200, help="open-then-close sockets (--idle-after-close)")
    parser.add_argument("--game-end-sizes", type=_floats, default=[2, 8, 50], help="players per room, comma-separated")
    parser.add_argument("--game-end-rooms", type=int, default=5, help="game-end calls per room size")
    parser.add_argument("--db", default="gb_bench", help="database to (re)create for GameBuddies")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="Redis for all three")
    parser.add_argument("--http-client", choices=["raw", "httpx"], default="raw", help="generator's HTTP client")
    parser.add_argument("--quiet-wait", type=float, default=5.0, help="max seconds to wait for an idle machine")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter runs: a smoke run")
    parser.add_argument("--no-save", action="store_true", help="print only, write nothing under bench/results")
    parser.add_argument("--table", metavar="FILE", help="print the table of a saved comparison and exit")
    parser.add_argument("--note", default="", help="free text stored with the results")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    args.game_end_sizes = [int(size) for size in args.game_end_sizes]
    # Names the scenario modules read (bench/scenarios/*).
    args.rate = args.rates[0] if args.rates else 50.0
    args.held_broadcast_rates = args.held_rates
    args.after_close = args.idle_after_close
    return args


# -- the three systems -------------------------------------------------------------------
def synthetic_seed(rooms: int, per_room: int) -> dict:
    """Rooms and seats for the floor and the peer, which keep no accounts: any id, any token."""
    return {
        "rooms": [
            {
                "code": f"R{index:05d}",
                "seats": [{"player_id": str(uuid.uuid4()), "token": "bench"} for _ in range(per_room)],
            }
            for index in range(rooms)
        ],
        "api_key": {"key": "bench-unchecked"},
    }


def ensure_peer_dependencies() -> str | None:
    """`npm ci` from the committed lockfile when node_modules is missing; a reason when it cannot run."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not on PATH"
    if not (PEER_DIR / "node_modules" / "socket.io").is_dir():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            return f"npm ci failed: {done.stderr.strip()[-300:]}"
    return None


def measured(name: str, args, coroutine_factory) -> dict:
    """Wait (bounded) for a quiet machine, run one scenario; a failure is recorded, not raised."""
    quiet = probes.wait_for_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
    started = time.monotonic()
    try:
        result = _event_loop_run(coroutine_factory())
    except Exception as exc:  # one broken scenario must not lose the others' figures
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    result["scenario_seconds"] = round(time.monotonic() - started, 1)
    result["machine_before_start"] = quiet
    print(f"  {name}: {result['scenario_seconds']} s", file=sys.stderr, flush=True)
    return result


def load_scenarios(ctx: Context, args) -> dict:
    results = {}
    if "throughput" in args.scenarios:
        results["throughput"] = measured("throughput", args, lambda: throughput.run(ctx))
    if "broadcast" in args.scenarios:
        results["broadcast"] = measured("broadcast", args, lambda: broadcast.run(ctx, rates=args.rates))
    return results


def run_floor(args, log_dir: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.floor.settings",
        "REDIS_URL": args.redis_url,
        "CHANNEL_PREFIX": f"floor{os.getpid()}",
        "PYTHONUNBUFFERED": "1",
    }
    with running_server(
        kind="uvicorn", workers=args.workers, env=env, log_dir=log_dir, listen=args.listen, app=FLOOR_APP
    ) as server:
        ctx = Context(server=server, seed=synthetic_seed(args.rooms, args.clients_per_room), args=args, dbname=None,
                      redis_url=args.redis_url)  # fmt: skip
        return {"server": f"uvicorn x{args.workers} ({args.listen}), {FLOOR_APP}", **load_scenarios(ctx, args)}


def run_peer(args, log_dir: Path) -> dict:
    reason = ensure_peer_dependencies()
    if reason:
        return {"skipped": reason}
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    with running_server(kind="node", workers=1, env=dict(os.environ), log_dir=log_dir) as server:
        ctx = Context(server=server, seed=synthetic_seed(args.rooms, args.clients_per_room), args=args, dbname=None,
                      redis_url=args.redis_url, socket_class=SocketIOSocket)  # fmt: skip
        return {"server": f"node {node}, one process, socket.io (websocket transport)", **load_scenarios(ctx, args)}


def run_product(args, log_dir: Path) -> dict:
    database_url = f"{args.pg}/{args.db}"
    prefix = f"gbbench{os.getpid()}"
    env = server_env(database_url=database_url, redis_url=args.redis_url, layer="pubsub", prefix=prefix)
    wanted = set(args.scenarios)
    started = time.monotonic()
    recreate_database(args.pg, args.db)
    seed = seed_database(
        env,
        rooms=args.rooms,
        clients_per_room=args.clients_per_room,
        idle_seats=max(args.connections, args.churn if args.after_close else 0) if "idle" in wanted else 0,
        game_end_sizes=args.game_end_sizes if "game_end" in wanted else (),
        game_end_rooms=args.game_end_rooms if "game_end" in wanted else 0,
    )
    report: dict = {
        "server": f"uvicorn x{args.workers} ({args.listen}), gamebuddies.asgi, PostgreSQL + Redis",
        "setup": {"seconds": seed["seconds"], "wall_seconds": round(time.monotonic() - started, 1)},
    }
    print(f"  seeded: {report['setup']['wall_seconds']} s", file=sys.stderr, flush=True)

    def context(server, **extra) -> Context:
        return Context(server=server, seed=seed, args=args, dbname=args.db, redis_url=args.redis_url, **extra)

    if wanted & {"throughput", "broadcast"}:
        with running_server(kind="uvicorn", workers=args.workers, env=env, log_dir=log_dir, listen=args.listen) as srv:
            report.update(load_scenarios(context(srv, checks=ProductChecks(srv, database_url)), args))
    if "idle" in wanted:
        with running_server(kind="uvicorn", workers=1, env=env, log_dir=log_dir, listen=args.listen) as srv:
            ctx = context(srv, checks=ProductChecks(srv, database_url))
            report["idle"] = measured("idle", args, lambda: connections.run(ctx))
    if "game_end" in wanted:
        pg = urlsplit(args.pg)
        proxy = QueryCountingProxy(pg.hostname or "127.0.0.1", pg.port or 5432)
        port = proxy.start()
        userinfo = pg.netloc.rpartition("@")[0] or "postgres"
        counted = pg._replace(netloc=f"{userinfo}@127.0.0.1:{port}").geturl()
        env_counted = {**env, "DATABASE_URL": f"{counted}/{args.db}"}
        try:
            with running_server(kind="uvicorn", workers=1, env=env_counted, log_dir=log_dir, listen=args.listen) as srv:
                ctx = context(srv, query_counter=proxy)
                report["game_end"] = measured("game_end", args, lambda: game_end.run(ctx))
        finally:
            proxy.stop()
    return report


RUNNERS = {"floor": run_floor, "peer": run_peer, "product": run_product}


def config_of(args) -> dict:
    keys = [
        "targets", "scenarios", "workers", "listen", "rooms", "clients_per_room", "rates", "duration", "senders",
        "connections", "held_rates", "connect_concurrency", "idle_after_close", "churn", "game_end_sizes",
        "game_end_rooms",
        "http_client", "quick", "note",
    ]  # fmt: skip
    return {key: getattr(args, key) for key in keys}


def main(argv=None) -> dict | None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # servers still stop (context managers)
    args = parse_args(argv)
    if args.table:
        print(render(json.loads(Path(args.table).read_text())))
        return None
    log_dir = ROOT / ".tmp"
    log_dir.mkdir(exist_ok=True)
    report = {"kind": "comparison", "config": config_of(args), "environment": environment(), "targets": {}}
    started = time.monotonic()
    for target in args.targets:
        print(f"{target} ...", file=sys.stderr, flush=True)
        target_started = time.monotonic()
        try:
            report["targets"][target] = RUNNERS[target](args, log_dir)
        except Exception as exc:  # e.g. a server that does not start: the others still count
            report["targets"][target] = {"error": f"{type(exc).__name__}: {exc}"[:1000]}
        report["targets"][target]["target_seconds"] = round(time.monotonic() - target_started, 1)
    report["total_seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(report, indent=1) + "\n"
    (log_dir / "bench-compare-last.json").write_text(text)  # also with --no-save (.tmp/ is git-ignored)
    if not args.no_save:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS_DIR / f"{stamp}-compare{'-quick' if args.quick else ''}.json"
        path.write_text(text)
        print(f"saved {path.relative_to(ROOT)}", file=sys.stderr)
    print(render(report))
    return report


if __name__ == "__main__":
    main()
