"""Server processes freeze their start-up objects out of the collector and collect young objects less often."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import gc, json, gamebuddies.asgi; print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]]))"


def _probe(**env) -> tuple[int, int]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(env, DJANGO_SETTINGS_MODULE="gamebuddies.settings")
    command = [sys.executable, "-c", PROBE]
    out = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=True)
    frozen, gen0 = json.loads(out.stdout.strip().splitlines()[-1])
    return frozen, gen0


def test_loading_the_server_application_freezes_start_up_objects_and_raises_the_young_threshold():
    frozen, gen0 = _probe(GC_GEN0_THRESHOLD="12345")
    assert frozen > 10_000  # Django and the project's modules, never walked again
    assert gen0 == 12345


def test_gc_tuning_can_be_switched_off():
    frozen, gen0 = _probe(GC_TUNING="0")
    assert frozen == 0
    assert gen0 == 700  # CPython's default
