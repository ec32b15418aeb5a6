# ruff: noqa: S603, S314  (runs pytest from this venv and reads the junit report it wrote)
"""`make test`: the whole suite on PostgreSQL + Redis, and again on the embedded SQLite default.

Runs on the venv's Python. One pass runs every test against PostgreSQL and Redis (see
scripts/services.py for where they come from); the other runs everything that does not
need them with no DATABASE_URL/REDIS_URL, so the embedded default stays honest.
Exits non-zero if either pass fails; never skips a pass.

Most of a test's time is spent waiting (on a browser, a server it started, a socket), so the
passes run side by side, the PostgreSQL one on GB_TEST_WORKERS pytest-xdist workers (each with
its own test database and Redis database, tests/settings.py): on two cores that takes well
under half the time of one pass after the other. GB_TEST_WORKERS=0 runs them the old way, one
after the other in single processes, with both outputs on the terminal.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services  # noqa: E402
import translations  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TMP = ROOT / ".tmp"
CHROMIUM = "/usr/bin/chromium"
BUDGET_SECONDS = 15 * 60
SQLITE_MARKERS = "not postgres and not redis and not browser"
WORKERS = int(os.environ.get("GB_TEST_WORKERS", "2"))


@dataclass
class PassResult:
    name: str
    seconds: float
    exit_code: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def say(message: str) -> None:
    print(f"make test: {message}", flush=True)


def stop_with(message: str) -> None:
    print(f"make test: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def interrupt(signum, frame) -> None:
    # SIGTERM unwinds like Ctrl+C, so throwaway servers are stopped and deleted.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}


@dataclass
class Pass:
    name: str
    env: dict[str, str]
    marker: str | None
    workers: int = 0
    log: Path | None = None  # output goes here instead of the terminal
    process: subprocess.Popen | None = None
    started: float = 0.0
    ended: float = 0.0

    @property
    def report(self) -> Path:
        return TMP / f"make-test-{self.name.split('+')[0].lower()}.xml"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "pytest", *shlex.split(os.environ.get("TESTS", "tests"))]
        if self.marker:
            command += ["-m", self.marker]
        if self.workers:
            command += ["-n", str(self.workers)]
        command += ["-q", "--durations=5", f"--junitxml={self.report}"]
        return command + shlex.split(os.environ.get("PYTEST_ARGS", ""))

    def start(self) -> None:
        self.report.unlink(missing_ok=True)
        command = self.command()
        where = f" (output in {self.log.relative_to(ROOT)}, shown when it ends)" if self.log else ""
        say(f"--- {self.name} pass: {shlex.join(command[1:])}{where}")
        self.started = time.monotonic()
        output = open(self.log, "wb") if self.log else None  # noqa: SIM115 - closed by the child's exit
        try:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)
        finally:
            if output:
                output.close()

    def done(self) -> bool:
        if not self.ended and self.process.poll() is not None:
            self.ended = time.monotonic()
        return bool(self.ended)

    def finish(self) -> PassResult:
        while not self.done():
            time.sleep(0.2)
        result = PassResult(self.name, self.ended - self.started, self.process.returncode)
        if self.log:
            say(f"--- {self.name} pass output ({self.log.relative_to(ROOT)}):")
            sys.stdout.write(self.log.read_text(errors="replace"))
            sys.stdout.flush()
        if self.report.exists():
            for suite in ET.parse(self.report).getroot().iter("testsuite"):
                total, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
                failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
                result.failed += failed
                result.skipped += skipped
                result.passed += total - failed - skipped
        return result

    def interrupt(self) -> None:
        # Let pytest unwind (its live servers and test database) before the services go away.
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def worker_databases(redis_url: str) -> str:
    """What tests/settings.py gives each xdist worker: the database N below REDIS_URL's; never 0."""
    if WORKERS < 2:
        return ""
    first = int(urlsplit(redis_url).path.strip("/") or 0)
    last = first - (WORKERS - 1)
    if last < 1:
        stop_with(f"{WORKERS} workers need Redis databases {first} down to {last}: set GB_TEST_REDIS_DB higher")
    return f" (the workers use databases {first} down to {last})"


def run_passes(passes: list[Pass]) -> list[PassResult]:
    """Side by side when workers are used, else one after the other; interrupted together."""
    results: list[PassResult] = []
    try:
        if WORKERS:
            for each in passes:
                each.start()
            while not all([each.done() for each in passes]):  # a list: every pass notes its own end
                time.sleep(0.2)
            return [each.finish() for each in passes]
        for each in passes:
            each.start()
            results.append(each.finish())
        return results
    except KeyboardInterrupt:
        for each in passes:
            each.interrupt()
        raise


def main() -> int:
    # The Makefile passes its start time so the venv check counts towards setup.
    make_started = float(os.environ.get("GB_MAKE_STARTED") or time.time())
    signal.signal(signal.SIGTERM, interrupt)
    TMP.mkdir(exist_ok=True)
    if not os.path.exists(CHROMIUM):
        stop_with(f"browser tests need Chromium at {CHROMIUM}: install it with `apt-get install -y chromium`")
    # Compile the translations the pages use; new source strings are merged into the .po first,
    # so tests/party/test_translations.py fails on any that is not translated yet.
    if not translations.extract():
        stop_with("extracting the strings to translate needs GNU gettext: install it with `apt-get install -y gettext`")
    say(f"translations: compiled {len(translations.compile_catalogues())} catalogue(s)")

    with ExitStack() as stack:
        try:
            (database_url, database_how), (redis_url, redis_how) = services.provide(stack)
        except services.Unavailable as missing:
            stop_with(
                f"needs PostgreSQL and Redis; found neither a server nor binaries for: {missing}. "
                f"Install with `apt-get install -y {missing}`, or set DATABASE_URL and REDIS_URL"
            )
        say(f"PostgreSQL: {database_how}")
        say(f"Redis: {redis_how}{worker_databases(redis_url)}")
        setup_seconds = time.time() - make_started

        real_env = {**base_env(), "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        sqlite_env = base_env()
        sqlite_env.setdefault("SQLITE_TEST_PATH", str(TMP / "test-make.sqlite3"))
        results = run_passes(
            [
                Pass("PostgreSQL+Redis", real_env, None, workers=WORKERS),
                Pass("SQLite", sqlite_env, SQLITE_MARKERS, log=TMP / "make-test-sqlite.log" if WORKERS else None),
            ]
        )
        cleanup_started = time.monotonic()
    cleanup_seconds = time.monotonic() - cleanup_started
    return summarise(results, setup_seconds, cleanup_seconds, time.time() - make_started)


def summarise(results: list[PassResult], setup: float, cleanup: float, total: float) -> int:
    print("\nmake test: timing")
    print(f"  {'setup (venv, servers)':24} {setup:7.1f}s")
    for result in results:
        status = "ok" if result.ok else f"FAILED (pytest exit {result.exit_code})"
        counts = f"{result.passed} passed, {result.failed} failed, {result.skipped} skipped"
        print(f"  {result.name + ' pass':24} {result.seconds:7.1f}s  {counts}  {status}")
    if WORKERS:
        print(f"  (the two passes ran side by side, the first on {WORKERS} pytest-xdist workers)")
    print(f"  {'stop servers':24} {cleanup:7.1f}s")
    print(f"  {'total':24} {total:7.1f}s")
    if total > BUDGET_SECONDS:
        say(f"warning: the suite took {total / 60:.1f} minutes, over its {BUDGET_SECONDS // 60}-minute budget")
    for result in results:
        if result.exit_code == 5:
            say(f"the {result.name} pass ran no tests")
    passed, failed, skipped = (sum(getattr(r, field) for r in results) for field in ("passed", "failed", "skipped"))
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("make test: interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
