# ruff: noqa: S603  (runs fixed commands: manage.py and Uvicorn from this venv)
"""`make run` / `make run-real`: migrate, load the demo games, start the worker, serve.

Runs on the venv's Python. The background worker (`manage.py run_worker`) is started
only when this checkout has that command, and is stopped when the server stops, so
Ctrl+C (or SIGTERM to this process) leaves nothing running.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MANAGE = [PYTHON, str(ROOT / "manage.py")]


def say(message: str) -> None:
    print(f"run: {message}", flush=True)


def manage(*args: str) -> None:
    subprocess.run([*MANAGE, *args], cwd=ROOT, check=True)


def has_command(name: str) -> bool:
    probe = subprocess.run([*MANAGE, "help", name], cwd=ROOT, capture_output=True)
    return probe.returncode == 0


def uvicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        PYTHON, "-m", "uvicorn", "gamebuddies.asgi:application",
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--lifespan", "off", "--ws-per-message-deflate", "false",
        # Access logs print full request lines, and game launch URLs carry session tokens.
        "--no-access-log",
        # Same limit the consumers enforce (settings.WS_MAX_MESSAGE_BYTES).
        "--ws-max-size", os.environ.get("WS_MAX_MESSAGE_BYTES", "16384"),
    ]  # fmt: skip


def stop(process: subprocess.Popen | None, name: str) -> None:
    if process is None or process.poll() is not None:
        return
    say(f"stopping {name}")
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def interrupt(signum, frame) -> None:
    # SIGTERM (from a supervisor, or `kill`) unwinds like Ctrl+C so the children are stopped.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def check_real_backends() -> None:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not redis.startswith(("redis://", "rediss://")):
        print(
            "run: several workers need shared state: set DATABASE_URL=postgres://... and REDIS_URL=redis://...",
            file=sys.stderr,
        )
        raise SystemExit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="Uvicorn worker processes (>1 needs PostgreSQL+Redis)")
    parser.add_argument("--no-demo-data", action="store_true", help="skip load_demo_data")
    args = parser.parse_args()
    if args.workers > 1:
        check_real_backends()

    signal.signal(signal.SIGTERM, interrupt)

    worker = server = None
    try:
        manage("migrate", "--noinput", "--verbosity", "0")
        if not args.no_demo_data:
            manage("load_demo_data")
        if has_command("run_worker"):
            say("starting the background worker (manage.py run_worker)")
            worker = subprocess.Popen([*MANAGE, "run_worker"], cwd=ROOT)
        else:
            say("no run_worker command in this checkout: serving without a background worker")
        backend = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite (embedded default)"
        say(f"serving http://{args.host}:{args.port} with {args.workers} worker(s) on {backend}; Ctrl+C stops")
        server = subprocess.Popen(uvicorn_command(args.host, args.port, args.workers), cwd=ROOT)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as error:
        print(f"run: `{' '.join(error.cmd[1:])}` failed with exit code {error.returncode}", file=sys.stderr)
        return 1
    finally:
        stop(server, "the server")
        stop(worker, "the background worker")


if __name__ == "__main__":
    sys.exit(main())
