"""`make run`'s script (scripts/run.py), run for real: what its start line says it runs on, and
that SIGINT sent to the script alone stops the server and the worker (issue 20).

A shell starts background jobs with SIGINT ignored, and Python then raises no
KeyboardInterrupt: the signal used to be dropped and the server kept running. The script is
started here the same way (SIGINT ignored, its own process group) and the signal goes to its
pid only, never to its children.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def start(tmp_path, **env_overrides) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")}
    env.update(SQLITE_PATH=str(tmp_path / "run.sqlite3"), **env_overrides)
    log = tmp_path / "run.log"

    def as_a_background_job():
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process = subprocess.Popen(  # noqa: S603 - the project's own script
        [sys.executable, "scripts/run.py", "--port", str(port), "--no-demo-data"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=as_a_background_job,  # noqa: PLW1509 - only signal set-up before exec
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    return process, port, log
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"not healthy in 60 s:\n{log.read_text()}")


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()  # noqa: S607
    return [int(child) for child in found]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


def interrupt_script_only(process: subprocess.Popen, log: Path) -> None:
    kids = children(process.pid)
    assert kids, "the script has no server child"
    process.send_signal(signal.SIGINT)  # the script's pid only, not its process group
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError(f"the script ignored SIGINT:\n{log.read_text()}") from None
    deadline = time.monotonic() + 5
    while any(alive(kid) for kid in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [kid for kid in kids if alive(kid)]
    if left:
        os.killpg(process.pid, signal.SIGKILL)
    assert not left, f"left running after SIGINT: {left}\n{log.read_text()}"


def start_line(log: Path) -> str:
    return next(line for line in log.read_text().splitlines() if line.startswith("run: serving"))


def test_sigint_to_the_script_alone_stops_the_server_and_the_start_line_names_the_embedded_default(tmp_path):
    process, port, log = start(tmp_path)
    assert "on SQLite + local-memory cache + in-memory channel layer (embedded default)" in start_line(log)
    interrupt_script_only(process, log)
    assert process.returncode == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310


@pytest.mark.redis
def test_with_redis_url_the_start_line_says_redis_and_sigint_stops_server_and_worker(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (the PostgreSQL + Redis pass)")
    process, _port, log = start(tmp_path, REDIS_URL=redis_url)
    line = start_line(log)
    assert "on SQLite + Redis cache + Redis channel layer;" in line and "embedded" not in line
    assert "starting the background worker" in log.read_text()
    assert len(children(process.pid)) == 2  # the server and run_worker
    interrupt_script_only(process, log)
