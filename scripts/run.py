# ruff: noqa: S603  (runs fixed commands: manage.py and Uvicorn from this venv)
"""`make run` / `make run-real`: migrate, load the demo games, start the worker, serve.

`make run`: one Uvicorn process (any database) and the background worker; without REDIS_URL
the server process runs the worker's loops itself (EMBEDDED_WORKER, rooms/background.py).
`make run-real` (--real): nginx in front of WORKERS Uvicorn processes, each on its own
port, and the background worker, started by deploy/stack.py, the same launcher the test of
this set-up uses. Refuses to start without PostgreSQL and Redis.

Runs on the venv's Python. Every process writes its metrics to one PROMETHEUS_MULTIPROC_DIR,
emptied at start, so /metrics reports them all. Ctrl+C, or SIGINT or SIGTERM to this process alone, stops
every child, so nothing is left running.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.stack import METRICS_DIR_VARIABLE, Stack, prepare_metrics_dir, stop_process, uvicorn_command  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import translations  # noqa: E402

PYTHON = sys.executable
MANAGE = [PYTHON, str(ROOT / "manage.py")]


def say(message: str) -> None:
    print(f"run: {message}", flush=True)


def manage(*args: str) -> None:
    subprocess.run([*MANAGE, *args], cwd=ROOT, check=True)


def has_command(name: str) -> bool:
    probe = subprocess.run([*MANAGE, "help", name], cwd=ROOT, capture_output=True)
    return probe.returncode == 0


# What the app will really run on, read from its settings (not guessed from the environment).
_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "database": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "embedded_worker": settings.EMBEDDED_WORKER,
}))
"""


@dataclass(frozen=True)
class Backends:
    database: str
    cache: str
    layer: str
    embedded_worker: bool

    def describe(self) -> str:
        """E.g. "PostgreSQL + Redis cache + Redis channel layer" or "SQLite + local-memory cache +
        in-memory channel layer (embedded default)"."""
        names = {"postgresql": "PostgreSQL", "sqlite3": "SQLite"}
        database = names.get(self.database.rsplit(".", 1)[-1], self.database)
        cache = "Redis" if "redis" in self.cache.lower() else "local-memory"
        layer = "Redis" if "redis" in self.layer.lower() else "in-memory"
        embedded = database == "SQLite" and cache == "local-memory" and layer == "in-memory"
        described = f"{database} + {cache} cache + {layer} channel layer"
        return described + (" (embedded default)" if embedded else "")


def probe_backends() -> Backends:
    probe = subprocess.run(
        [*MANAGE, "shell", "--no-imports", "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return Backends(**json.loads(probe.stdout.strip().splitlines()[-1]))


def stop(process: subprocess.Popen | None, name: str) -> None:
    if process is not None and process.poll() is None:
        say(f"stopping {name}")
        stop_process(process)


def interrupt(signum, frame) -> None:
    # SIGINT and SIGTERM unwind the same way, so the children are stopped; a second signal
    # does not cut that short (each child gets at most 15 s before it is killed).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Ctrl+C stops everything, also when SIGINT reaches this process alone (`kill -INT <pid>`).

    Python raises KeyboardInterrupt on SIGINT only if SIGINT was not ignored when it started,
    and a shell starts background jobs (`make run &`, a supervisor script) with SIGINT ignored:
    the signal was then dropped and the server kept running. So the handler is set explicitly.
    """
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def check_real_backends() -> None:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not redis.startswith(("redis://", "rediss://")):
        print(
            "run: several workers need shared state: set DATABASE_URL=postgres://... and REDIS_URL=redis://...",
            file=sys.stderr,
        )
        raise SystemExit(2)


def metrics_dir() -> tuple[Path, bool]:
    """The multiprocess metrics directory (emptied), and whether it is ours to delete at the end."""
    given = os.environ.get(METRICS_DIR_VARIABLE)
    if given:
        return prepare_metrics_dir(given), False
    return Path(tempfile.mkdtemp(prefix="gamebuddies-metrics-")), True


def serve_one(args) -> int:
    worker = server = None
    try:
        backends = probe_backends()
        if backends.embedded_worker:
            say("the server process runs the background loops itself (EMBEDDED_WORKER, the default without REDIS_URL)")
        elif has_command("run_worker"):
            say("starting the background worker (manage.py run_worker)")
            worker = subprocess.Popen([*MANAGE, "run_worker"], cwd=ROOT)
        else:
            say("no run_worker command in this checkout: serving without a background worker")
        say(
            f"serving http://{args.host}:{args.port} with {args.workers} worker(s) on {backends.describe()}; "
            "Ctrl+C stops"
        )
        server = subprocess.Popen(uvicorn_command(args.host, args.port, args.workers), cwd=ROOT)
        return server.wait()
    finally:
        stop(server, "the server")
        stop(worker, "the background worker")


def serve_real(args) -> int:
    stack = Stack(host=args.host, port=args.port, workers=args.workers)
    try:
        say(f"starting nginx on http://{args.host}:{args.port} in front of {args.workers} Uvicorn processes")
        stack.start()
        say(f"serving http://{args.host}:{args.port} (upstreams {', '.join(stack.upstreams)}); Ctrl+C stops")
        return stack.wait()
    finally:
        say("stopping nginx, the app processes and the background worker")
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="Uvicorn worker processes (>1 needs PostgreSQL+Redis)")
    parser.add_argument("--real", action="store_true", help="nginx in front of --workers processes (make run-real)")
    parser.add_argument("--no-demo-data", action="store_true", help="skip load_demo_data")
    args = parser.parse_args()
    if args.real or args.workers > 1:
        check_real_backends()

    stop_on_signals()
    directory, ours = metrics_dir()
    os.environ[METRICS_DIR_VARIABLE] = str(directory)
    try:
        manage("migrate", "--noinput", "--verbosity", "0")
        # The pages' German catalogue: new strings merged in (needs xgettext), then compiled.
        translations.prepare(say=say)
        if not args.no_demo_data:
            manage("load_demo_data")
        # Metrics of the setup commands are not the app's: start the count from zero.
        prepare_metrics_dir(directory)
        return serve_real(args) if args.real else serve_one(args)
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as error:
        print(f"run: `{' '.join(map(str, error.cmd[1:]))}` failed with exit code {error.returncode}", file=sys.stderr)
        return 1
    except RuntimeError as error:  # the stack could not start (nginx missing, a process exited)
        print(f"run: {error}", file=sys.stderr)
        return 1
    finally:
        if ours:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
