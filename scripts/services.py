# ruff: noqa: S603  (runs the installed PostgreSQL and Redis binaries with fixed arguments)
"""PostgreSQL and Redis for `make test`: given, local, or throwaway.

For each, in order: the URL from the environment (DATABASE_URL / REDIS_URL); the server
on 127.0.0.1's standard port if it answers (GB_PG_HOST/GB_PG_PORT and
GB_REDIS_HOST/GB_REDIS_PORT move that address); else a throwaway server started from the
installed binaries on a free port in a temp dir, stopped and deleted by the ExitStack.
Nothing is decided silently: each choice is reported, and `plan()` finds out whether
both can be had before anything is started.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

TEST_DB_NAME = os.environ.get("GB_TEST_DB_NAME", "gb_make_test")
TEST_REDIS_DB = os.environ.get("GB_TEST_REDIS_DB", "15")


class Unavailable(Exception):
    """Neither a server nor the binaries to start one: the message says what to install."""


@dataclass
class Choice:
    kind: str  # "env", "local" or "throwaway"
    detail: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- PostgreSQL ---------------------------------------------------------------


def _pg_address() -> tuple[str, int]:
    return os.environ.get("GB_PG_HOST", "127.0.0.1"), int(os.environ.get("GB_PG_PORT", "5432"))


def postgres_problem(host: str, port: int) -> str | None:
    """None if user postgres can log in without a password (trust), else why not."""
    import psycopg  # from the venv; this script runs on the venv's Python

    try:
        with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


def postgres_bindir() -> Path | None:
    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates = [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).resolve().parent)
    for bindir in candidates:
        if all((bindir / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def plan_postgres() -> Choice:
    if os.environ.get("DATABASE_URL"):
        return Choice("env", os.environ["DATABASE_URL"])
    host, port = _pg_address()
    problem = postgres_problem(host, port)
    if problem is None:
        return Choice("local", f"{host}:{port}")
    bindir = postgres_bindir()
    if bindir is None:
        raise Unavailable("postgresql")
    return Choice("throwaway", f"{bindir} (no usable server at {host}:{port}: {problem})")


def _unprivileged_user() -> tuple[list[str], pwd.struct_passwd | None]:
    # initdb and postgres refuse to run as root; as root, run them as the postgres user.
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], account
    raise RuntimeError("initdb refuses root and there is no postgres or nobody user to run it as")


def start_postgres(stack: ExitStack, bindir: Path) -> str:
    prefix, account = _unprivileged_user()
    tmp = Path(tempfile.mkdtemp(prefix="gb-test-pg-"))
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    if account:
        os.chown(tmp, account.pw_uid, account.pw_gid)
    data, log, port = tmp / "data", tmp / "server.log", free_port()
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"]
    _run_or_explain([*prefix, *initdb, "--no-sync"], "initdb", log)
    options = (
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=200 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    # Registered before the start so a half-started server is stopped too.
    stack.callback(subprocess.run, [*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
    _run_or_explain([*pg_ctl, "-l", str(log), "-o", options, "-w", "-t", "60", "start"], "pg_ctl start", log)
    return f"postgres://postgres@127.0.0.1:{port}/{TEST_DB_NAME}"


def _run_or_explain(command: list[str], name: str, log: Path) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        server_log = log.read_text()[-2000:] if log.exists() else ""
        raise RuntimeError(f"{name} failed:\n{result.stdout}{result.stderr}{server_log}")


# --- Redis --------------------------------------------------------------------


def _redis_address() -> tuple[str, int]:
    return os.environ.get("GB_REDIS_HOST", "127.0.0.1"), int(os.environ.get("GB_REDIS_PORT", "6379"))


def redis_problem(host: str, port: int) -> str | None:
    """None if a Redis answers PING without a password, else why not."""
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(128)
    except OSError as error:
        return str(error)
    return None if reply.startswith(b"+PONG") else reply.decode(errors="replace").strip() or "no reply"


def plan_redis() -> Choice:
    if os.environ.get("REDIS_URL"):
        return Choice("env", os.environ["REDIS_URL"])
    host, port = _redis_address()
    problem = redis_problem(host, port)
    if problem is None:
        return Choice("local", f"{host}:{port}")
    binary = shutil.which("redis-server")
    if binary is None:
        raise Unavailable("redis-server")
    return Choice("throwaway", f"{binary} (no usable server at {host}:{port}: {problem})")


def start_redis(stack: ExitStack) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="gb-test-redis-"))
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    port = free_port()
    command = [
        shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--daemonize", "no", "--dir", str(tmp),
    ]  # fmt: skip
    with open(tmp / "server.log", "wb") as log:
        # Own session: a Ctrl+C at the terminal reaches this script, which then stops it in order.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(_terminate, process)
    deadline = time.monotonic() + 15
    while redis_problem("127.0.0.1", port) is not None:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start:\n{(tmp / 'server.log').read_text()[-2000:]}")
        time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/{TEST_REDIS_DB}"


def _terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Both ---------------------------------------------------------------------


def provide(stack: ExitStack) -> tuple[tuple[str, str], tuple[str, str]]:
    """((DATABASE_URL, how), (REDIS_URL, how)); raises Unavailable before starting anything."""
    missing, choices = [], {}
    for name, planner in (("postgres", plan_postgres), ("redis", plan_redis)):
        try:
            choices[name] = planner()
        except Unavailable as error:
            missing.append(str(error))
    if missing:
        raise Unavailable(" ".join(missing))

    pg, redis = choices["postgres"], choices["redis"]
    if pg.kind == "env":
        database = (pg.detail, "DATABASE_URL from the environment")
    elif pg.kind == "local":
        database = (f"postgres://postgres@{pg.detail}/{TEST_DB_NAME}", f"server at {pg.detail}")
    else:
        url = start_postgres(stack, postgres_bindir())
        database = (url, f"throwaway server on {url.split('@')[1].split('/')[0]}, from {pg.detail}")
    if redis.kind == "env":
        cache = (redis.detail, "REDIS_URL from the environment")
    elif redis.kind == "local":
        cache = (f"redis://{redis.detail}/{TEST_REDIS_DB}", f"server at {redis.detail}, db {TEST_REDIS_DB}")
    else:
        url = start_redis(stack)
        cache = (url, f"throwaway server on {url.split('//')[1].split('/')[0]}, from {redis.detail}")
    return database, cache
