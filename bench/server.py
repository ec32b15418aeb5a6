"""Start an ASGI app (GameBuddies or the floor) or the Node peer as real processes, and watch them.

Uvicorn, `listen="shared"`: one `--workers N` supervisor; its children are the workers
(with N=1 the single process is the worker). Uvicorn, `listen="reuseport"`: N processes
(`bench/serve.py`), each with its own SO_REUSEPORT socket on the shared port and a private
port of its own. Daphne has no worker mode, so N Daphne processes adopt one listening
socket that this process opens (`--fd`). Node: one `node bench/peers/socketio/server.js`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
WS_MAX_BYTES = 16 * 1024
GAMEBUDDIES_APP = "gamebuddies.asgi:application"
NODE_PEER = ROOT / "bench" / "peers" / "socketio" / "server.js"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    kind: str
    port: int
    launched: list[subprocess.Popen] = field(default_factory=list)
    log_path: Path | None = None
    # listen="reuseport": each worker's private port, in the order of `launched`.
    worker_ports: list[int] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def processes(self) -> list[psutil.Process]:
        """Every live process of the server: supervisors and workers."""
        found = []
        for popen in self.launched:
            try:
                proc = psutil.Process(popen.pid)
                found.append(proc)
                found.extend(proc.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
        return found

    def workers(self) -> list[psutil.Process]:
        """The processes that serve requests (a Uvicorn supervisor only forwards signals)."""
        procs = self.processes()
        if self.kind == "uvicorn":
            children = [p for p in procs if p.pid not in {pop.pid for pop in self.launched}]
            return children or procs
        return procs


def server_command(kind: str, workers: int, port: int, fd: int | None, app: str = GAMEBUDDIES_APP) -> list[str]:
    if kind == "uvicorn":
        bind = ["--fd", str(fd)] if fd is not None else ["--host", "127.0.0.1", "--port", str(port)]
        return [
            sys.executable, "-m", "uvicorn", app, *bind, "--workers", str(workers),
            "--lifespan", "off", "--ws-per-message-deflate", "false", "--no-access-log",
            "--ws-max-size", str(WS_MAX_BYTES), "--backlog", "4096", "--log-level", "warning",
        ]  # fmt: skip
    if kind == "daphne":
        # -v 0: no access log (Uvicorn runs with --no-access-log too). Daphne does not
        # negotiate permessage-deflate, and the load generator never offers it.
        return [
            sys.executable, "-m", "daphne", "--fd", str(fd), "-v", "0",
            "--websocket-max-message-size", str(WS_MAX_BYTES), app,
        ]  # fmt: skip
    if kind == "node":
        return ["node", str(NODE_PEER), str(port)]
    raise ValueError(f"unknown server {kind}")


def _listener(port: int, reuse_port: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(4096)
    sock.set_inheritable(True)
    return sock


@contextmanager
def running_server(
    *,
    kind: str,
    workers: int,
    env: dict,
    log_dir: Path,
    listen: str = "shared",
    app: str = GAMEBUDDIES_APP,
    ready_timeout: float = 60.0,
):
    """listen="shared": Uvicorn's own --workers (Daphne: N processes on one socket), which is how
    the app is run today. listen="reuseport": one socket per process, all bound to the port with
    SO_REUSEPORT, so the kernel hashes connections evenly over the processes; a few long-lived
    keep-alive connections can otherwise all land on one worker (measured, docs/performance.md).
    kind="node": the Socket.IO peer, one process (its room state is in memory)."""
    port = free_port()
    server = Server(kind=kind, port=port, log_path=log_dir / f"server-{kind}-{port}.log")
    listeners: list[socket.socket] = []
    with open(server.log_path, "wb") as log:
        if kind == "node":
            workers = 1
            server.launched.append(
                subprocess.Popen(server_command(kind, 1, port, None), cwd=ROOT, env=env, stdout=log, stderr=log)
            )
        elif kind == "uvicorn" and listen == "reuseport":
            for _ in range(workers):
                shared = _listener(port, reuse_port=True)
                private_port = free_port()
                private = _listener(private_port, reuse_port=False)
                listeners += [shared, private]
                fds = [shared.fileno(), private.fileno()]
                command = [sys.executable, "-m", "bench.serve", app, "--ws-max-size", str(WS_MAX_BYTES)]
                command += [arg for fd in fds for arg in ("--fd", str(fd))]
                server.launched.append(
                    subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, pass_fds=fds)
                )
                server.worker_ports.append(private_port)
        elif kind == "daphne":
            shared = None if listen == "reuseport" else _listener(port, reuse_port=False)
            for _ in range(workers):
                sock = shared or _listener(port, reuse_port=True)
                if sock not in listeners:
                    listeners.append(sock)
                command = server_command(kind, 1, port, sock.fileno(), app)
                server.launched.append(
                    subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, pass_fds=[sock.fileno()])
                )
        else:
            command = server_command(kind, workers, port, None, app)
            server.launched.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
    try:
        _wait_ready(server, workers, ready_timeout)
        yield server
    finally:
        for popen in server.launched:
            popen.terminate()
        for popen in server.launched:
            try:
                popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                popen.kill()
        for sock in listeners:
            sock.close()


def _wait_ready(server: Server, workers: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    healthy = 0
    # With private ports every worker is asked itself; otherwise a few answers in a row.
    urls = [f"http://127.0.0.1:{port}/healthz" for port in server.worker_ports] or [f"{server.base_url}/healthz"]
    while time.monotonic() < deadline:
        for popen in server.launched:
            if popen.poll() is not None:
                raise RuntimeError(f"server exited early:\n{server.log_path.read_text()[-3000:]}")
        try:
            for url in urls:
                with urllib.request.urlopen(url, timeout=2) as response:
                    healthy += response.status == 200
        except OSError:
            time.sleep(0.2)
            continue
        if healthy >= 3 * workers and len(server.workers()) >= workers:
            time.sleep(1.0)
            return
    raise RuntimeError(f"server not ready after {timeout}s:\n{server.log_path.read_text()[-3000:]}")


def server_env(
    *, database_url: str, redis_url: str, layer: str, prefix: str, settings: str = "gamebuddies.settings"
) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SQLITE_PATH",)}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CHANNEL_LAYER=layer,
        CHANNEL_PREFIX=prefix,
        CACHE_KEY_PREFIX=prefix,
        DJANGO_SETTINGS_MODULE=settings,
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    # Every load client connects from 127.0.0.1: the per-IP and per-seat socket connect limits
    # (issue 18 #4) would measure the limiter, not the server (like BENCH_RATE_LIMITS for the API).
    env.setdefault("WS_CONNECT_RATE_PER_IP", "1000000/m")
    env.setdefault("WS_CONNECT_RATE_PER_SEAT", "1000000/m")
    # One bench key sends every update: its overall writes quota (issue 18 #5) would cap the run.
    env.setdefault("API_KEY_WRITES_PER_MINUTE", "100000000/m")
    env.setdefault("API_KEY_ROOMS_PER_HOUR", "1000000/h")
    return env
