"""Two real Uvicorn workers on one test database and a throwaway Redis, plus the clients that
talk to them over HTTP and WebSocket, for the fault tests.

Two separate servers (one worker process each, two ports) rather than `--workers 2`, so a
test knows which process a client talks to and can SIGKILL exactly one of them.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

from tests.live import running_server

from .redis_server import ThrowawayRedis

_seq = itertools.count(1)


class Cluster:
    def __init__(self, redis: ThrowawayRedis, urls: list[str]):
        self.redis = redis
        self.urls = urls

    @classmethod
    def start(cls, stack: ExitStack, workers: int = 2) -> Cluster:
        redis = ThrowawayRedis()
        redis.start()
        stack.callback(redis.stop)
        env = {"REDIS_URL": redis.url, "DJANGO_SETTINGS_MODULE": "tests.faults.server_settings"}
        urls = [stack.enter_context(running_server(env=env)) for _ in range(workers)]
        return cls(redis, urls)

    def kill(self, url: str) -> None:
        """SIGKILL the worker process serving `url` (no shutdown, no cleanup)."""
        os.kill(_child_pid_listening_on(int(url.rsplit(":", 1)[1])), signal.SIGKILL)
        self.urls = [u for u in self.urls if u != url]


def _child_pid_listening_on(port: int) -> int:
    """Our own child process started with `--port <port>` (the Uvicorn server)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"--port" in args and args[args.index(b"--port") + 1] == str(port).encode():
            return int(proc.name)
    raise LookupError(f"no server process of ours on port {port}")


# -- HTTP ------------------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int  # 0: no HTTP answer at all (connection refused or reset: the process is gone)
    body: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)  # names in lower case


def request(method: str, url: str, body: dict | None = None, headers: dict | None = None, timeout=20) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 - loopback test servers
            return Answer(response.status, _json(response.read()), _lower(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, _json(error.read()), _lower(error.headers))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return Answer(0)


def _lower(headers) -> dict:
    return {name.lower(): value for name, value in headers.items()}


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class StatusWrite:
    """One status update sent by a game server: its unique `seq` travels in metadata."""

    url: str
    room_code: str
    player_id: str
    api_key: str
    seq: int = field(default_factory=lambda: next(_seq))
    idempotency_key: str | None = None
    answers: list[Answer] = field(default_factory=list)

    @property
    def body(self) -> dict:
        return {"status": "connected", "metadata": {"seq": self.seq}}

    def send(self, url: str | None = None) -> Answer:
        headers = {"X-API-Key": self.api_key}
        if self.idempotency_key:
            headers["Idempotency-Key"] = self.idempotency_key
        path = f"/api/v2/rooms/{self.room_code}/players/{self.player_id}/status"
        answer = request("POST", (url or self.url) + path, self.body, headers)
        self.answers.append(answer)
        return answer

    @property
    def acknowledged(self) -> bool:
        return any(a.status == 200 for a in self.answers)


def is_retryable_503(answer: Answer) -> bool:
    return (
        answer.status == 503
        and answer.body.get("code") == "SERVICE_UNAVAILABLE"
        and answer.body.get("retryable") is True
        and int(answer.headers.get("retry-after", "0")) >= 1
    )


class Writers:
    """Threads sending status updates until stopped; every write is kept for the checks."""

    def __init__(self, make_write, threads: int):
        self.writes: list[StatusWrite] = []
        self._make_write = make_write
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _run(self, lane: int) -> None:
        turn = 0
        while not self._stop.is_set():
            write = self._make_write(lane, turn)
            write.send()
            with self._lock:
                self.writes.append(write)
            turn += 1
            time.sleep(0.01)


# -- WebSocket ---------------------------------------------------------------------------------------
class LobbySocket:
    """A lobby client (the protocol of rooms/protocol.py): auth by token, then reads in a thread."""

    def __init__(self, base_url: str, room_code: str, token: str):
        ws_url = base_url.replace("http://", "ws://") + f"/ws/rooms/{room_code}/"
        self.socket = connect(ws_url, open_timeout=10).__enter__()  # closed by close()
        self.messages: list[dict] = []
        self.closed = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.send({"type": "auth", "requestId": "auth", "token": token})
        self.wait_for(lambda m: m.get("type") == "ack" and m.get("requestId") == "auth", timeout=10)

    def _read(self) -> None:
        try:
            for text in self.socket:
                self.messages.append(json.loads(text))
        except Exception:  # noqa: S110 - a dropped socket is what some tests cause
            pass
        self.closed.set()

    def send(self, message: dict) -> None:
        self.socket.send(json.dumps(message))

    def wait_for(self, predicate, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if predicate(message):
                    return message
            time.sleep(0.02)
        raise AssertionError(f"no matching message within {timeout}s; last: {self.messages[-3:]}")

    def latest_version(self) -> int:
        versions = [m["version"] for m in self.messages if m.get("type") == "roomStateUpdate"]
        versions += [m["version"] for m in self.messages if m.get("type") == "ack" and m.get("version")]
        return max(versions, default=0)

    def close(self) -> None:
        self.socket.close()
