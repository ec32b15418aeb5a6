# ruff: noqa: S603  (runs fixed commands: nginx, manage.py and Uvicorn from this venv)
"""The real set-up on one machine: nginx in front of N Uvicorn processes, plus the background worker.

`make run-real` (scripts/run.py) and the test that drives a room through nginx both start
it through `Stack`, so what is tested is what runs. Each Uvicorn process listens on its own
port and nginx balances between them; all of them, and the background worker, write their
metrics to one PROMETHEUS_MULTIPROC_DIR, emptied at start, so any process's /metrics is
the sum (gamebuddies/metrics.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
MIME_TYPES = "/etc/nginx/mime.types"
# settings.STATIC_ROOT, where `collectstatic` puts the files nginx serves.
STATIC_ROOT = ROOT / "staticfiles"
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(path: str | os.PathLike) -> Path:
    """Empty (or create) the multiprocess metrics directory: it must be clean when the processes start."""
    path = Path(path)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def uvicorn_command(host: str, port: int, workers: int = 1, python: str = sys.executable) -> list[str]:
    return [
        python, "-m", "uvicorn", "gamebuddies.asgi:application",
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--lifespan", "off", "--ws-per-message-deflate", "false",
        # Access logs print full request lines, and game launch URLs carry session tokens.
        "--no-access-log",
        # Same limit the consumers enforce (settings.WS_MAX_MESSAGE_BYTES).
        "--ws-max-size", os.environ.get("WS_MAX_MESSAGE_BYTES", "16384"),
    ]  # fmt: skip


def render_nginx_conf(
    *,
    listen: str,
    upstreams: list[str],
    prefix: Path,
    static_root: Path,
    max_body_bytes: int,
    conn_per_ip: int,
    error_log: str = "stderr",
    access_log: str = "/dev/stdout",
) -> str:
    fields = {
        "PREFIX": str(prefix),
        "ERROR_LOG": error_log,
        "ACCESS_LOG": access_log,
        "MIME_TYPES": MIME_TYPES,
        "LISTEN": listen,
        "UPSTREAM_SERVERS": "\n".join(
            f"        server {address} max_fails=1 fail_timeout=5s;" for address in upstreams
        ),
        "STATIC_ROOT": str(static_root),
        "MAX_BODY_BYTES": str(max_body_bytes),
        "CONN_PER_IP": str(conn_per_ip),
    }
    text = TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"unfilled field in {TEMPLATE}: {text[text.index('{{') :][:40]}")
    return text


def stop_process(process: subprocess.Popen | None, timeout: float = 15) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_health(url: str, processes: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(map(str, process.args[:4]))} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} not healthy after {timeout}s")


@dataclass
class Stack:
    """nginx on host:port, `workers` Uvicorn processes on ports of their own, and the background worker."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 4
    # Environment of the app processes (default: this process's).
    env: dict | None = None
    background_worker: bool = True
    # Where the children's output goes (None: this process's stdout/stderr). A file must be opened
    # in append mode: nginx reopens /dev/stdout for its access log.
    output: object = None
    conn_per_ip: int = int(os.environ.get("NGINX_CONN_PER_IP", "256"))
    python: str = sys.executable
    ready_timeout: float = 60.0
    processes: list[subprocess.Popen] = field(default_factory=list)
    upstreams: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app_env(self) -> dict:
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("DJANGO_SETTINGS_MODULE", "gamebuddies.settings")
        # nginx sets X-Forwarded-For to the client's address and serves /static/ itself.
        env.setdefault("TRUSTED_PROXY_IP_HEADER", "HTTP_X_FORWARDED_FOR")
        env.setdefault("SERVE_STATIC", "0")
        env[METRICS_DIR_VARIABLE] = str(prepare_metrics_dir(env.get(METRICS_DIR_VARIABLE) or self.prefix / "metrics"))
        return env

    def _spawn(self, command: list[str], env: dict) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.output, stderr=self.output)
        self.processes.append(process)
        return process

    def start(self) -> Stack:
        if not os.access(NGINX, os.X_OK):
            raise RuntimeError(f"nginx not found at {NGINX}: install it with `apt-get install -y nginx`")
        self.prefix = Path(tempfile.mkdtemp(prefix="gamebuddies-nginx-"))
        self.prefix.chmod(0o755)  # nginx worker processes (nobody, when started as root) use its temp dirs
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        env = self.app_env()
        manage = [self.python, str(ROOT / "manage.py")]
        subprocess.run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)

        app_processes = []
        for _ in range(self.workers):
            port = free_port(self.host)
            app_processes.append(self._spawn(uvicorn_command(self.host, port, 1, self.python), env))
            self.upstreams.append(f"{self.host}:{port}")
        if self.background_worker:
            self._spawn([*manage, "run_worker"], env)
        for address in self.upstreams:
            wait_for_health(f"http://{address}", self.processes, self.ready_timeout)

        conf = self.prefix / "nginx.conf"
        conf.write_text(
            render_nginx_conf(
                listen=f"{self.host}:{self.port}",
                upstreams=self.upstreams,
                prefix=self.prefix,
                static_root=STATIC_ROOT,
                max_body_bytes=int(env.get("MAX_JSON_BODY_BYTES", 64 * 1024)),
                conn_per_ip=self.conn_per_ip,
            )
        )
        nginx = [NGINX, "-p", str(self.prefix), "-c", str(conf), "-e", "stderr"]
        subprocess.run([*nginx, "-t", "-q"], check=True, stdout=self.output, stderr=self.output)
        self._spawn([*nginx, "-g", "daemon off;"], env)
        wait_for_health(self.url, self.processes, self.ready_timeout)

    def wait(self) -> int:
        """Block until one of the processes exits; its exit code."""
        while True:
            for process in self.processes:
                if process.poll() is not None:
                    return process.returncode
            time.sleep(0.5)

    def stop(self) -> None:
        """nginx first (no new requests), then the app processes, then the background worker."""
        for process in reversed(self.processes):
            stop_process(process)
        self.processes.clear()
        if getattr(self, "prefix", None):
            shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
