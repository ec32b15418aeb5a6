# ruff: noqa: S603  (these scripts run fixed commands: the venv, pip, manage.py, servers)
"""Create .venv and install requirements.txt into it, only when something changed.

Runs on the system Python (stdlib only). A stamp file inside .venv records a hash of
requirements.txt and the interpreter version, so a rerun with nothing changed costs
a file read instead of a pip call. Used by every `make` target that needs the venv.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
MINIMUM_PYTHON = (3, 11)


def fail(message: str) -> None:
    print(f"setup: {message}", file=sys.stderr)
    raise SystemExit(1)


def wanted_stamp() -> str:
    version = subprocess.run(
        [str(VENV_PYTHON), "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    return hashlib.sha256(REQUIREMENTS.read_bytes() + version.encode()).hexdigest()


def create_venv() -> None:
    if sys.version_info < MINIMUM_PYTHON:
        fail(
            f"Python {'.'.join(map(str, MINIMUM_PYTHON))}+ is needed, this is {sys.version.split()[0]}: "
            "install python3.11 (or run `make PYTHON=/path/to/python3.11 ...`)"
        )
    print(f"setup: creating .venv with {sys.executable}")
    try:
        # Debian ships these apart from Python, in python3.11-venv.
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        fail("the venv module is missing: install it with `apt-get install -y python3.11-venv`")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)


def main() -> None:
    if not VENV_PYTHON.exists():
        create_venv()
    stamp = wanted_stamp()
    if STAMP.exists() and STAMP.read_text().strip() == stamp:
        return
    print("setup: installing requirements.txt into .venv (only when it changed)")
    started = time.monotonic()
    # -qq: errors only (a pip config naming a missing extra index warns once per package).
    result = subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "-qq", "-r", str(REQUIREMENTS)])
    if result.returncode != 0:
        fail("pip could not install requirements.txt (see the messages above)")
    STAMP.write_text(stamp + "\n")
    print(f"setup: requirements installed in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
