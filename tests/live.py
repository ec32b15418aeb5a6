"""A real ASGI server (Uvicorn, one or more worker processes) over the test database.

pytest-django's live_server is WSGI and cannot speak WebSocket, and a server thread
would share this process's channel layer and cache, hiding cross-process bugs. So
tests that need a real server start Uvicorn as a subprocess pointed at the test
database (and the same Redis), and must use `transaction=True` so it sees their data.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(extra: dict | None = None) -> dict:
    """Environment that points a subprocess at the database pytest-django created."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["SQLITE_PATH"] = str(db["NAME"])
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env["DJANGO_SETTINGS_MODULE"] = "gamebuddies.settings"
    env["PYTHONUNBUFFERED"] = "1"
    # No background loops in a test server unless a test asks (rooms/background.py).
    env["EMBEDDED_WORKER"] = "0"
    env.update(extra or {})
    return env


@contextmanager
def running_server(*, workers: int = 1, env: dict | None = None, ready_timeout: float = 30.0):
    """Yield the base URL of a Uvicorn server running the app; stop it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "gamebuddies.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--lifespan",
        "off",
        "--no-access-log",
        "--ws-per-message-deflate",
        "false",
        "--ws-max-size",
        str(settings.WS_MAX_MESSAGE_BYTES),
    ]
    log_path = settings.BASE_DIR / ".tmp" / f"live-server-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=server_env(env), stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, process, ready_timeout, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()  # gone, with its database sessions, before the test database is dropped


def _wait_ready(base_url: str, process, timeout: float, log_path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"live server exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"live server not ready after {timeout}s:\n{log_path.read_text()[-3000:]}")
