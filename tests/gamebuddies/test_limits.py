"""gamebuddies/limits.py: every size limit comes from the environment through settings, and
the limits the schema holds agree with the migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from gamebuddies import limits
from rooms.models import Room

ROOT = Path(__file__).resolve().parents[2]

# What a fresh process sees with every limit set in its environment.
_PROBE = """
import json, django
django.setup()
from gamebuddies import limits
from gamebuddies.errors import ValidationError
from rooms.services.status import clean_metadata
try:
    clean_metadata({"note": "x" * 200})
    refused = False
except ValidationError as exc:
    refused = exc.message
print(json.dumps({"metadata": limits.MAX_METADATA_BYTES, "spectators": limits.MAX_SPECTATORS,
                  "chat": limits.CHAT_RATE_PER_SEAT, "demo": limits.DEMO_GAMES_RATE, "refused": refused}))
"""


def test_limits_set_in_the_environment_reach_the_services_that_check_them():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gamebuddies.settings",
        "PLAYER_METADATA_MAX_BYTES": "100",
        "ROOM_MAX_SPECTATORS": "3",
        "CHAT_RATE_PER_SEAT": "7/m",
        "DEMO_GAMES_RATE": "9/m",
    }
    env.pop("DATABASE_URL", None)  # nothing here touches a database
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"metadata": 100, "spectators": 3, "chat": "7/m", "demo": "9/m", "refused": seen["refused"]}
    assert seen["refused"] == "metadata is larger than 100 bytes"  # 200 bytes > 100: the service uses the setting


def test_defaults_are_the_documented_ones():
    assert (limits.MAX_METADATA_BYTES, limits.MAX_GAME_DATA_BYTES) == (16 * 1024, 64 * 1024)
    assert (limits.MAX_GAME_RESULT_BYTES, limits.MAX_GAME_STATE_BYTES) == (16 * 1024, 256 * 1024)
    assert (limits.MAX_BULK_PLAYERS, limits.MAX_SPECTATORS, limits.ROOM_DEFAULT_MAX_PLAYERS) == (100, 20, 8)
    assert (limits.CHAT_MESSAGES_PER_SECOND, limits.CHAT_MESSAGE_BURST, limits.CHAT_RATE_PER_SEAT) == (1, 5, "30/m")
    assert limits.CHAT_MESSAGES_KEPT == 50


def test_the_room_size_constraint_checks_the_same_cap_the_services_use():
    (constraint,) = [c for c in Room._meta.constraints if c.name == "rooms_max_players_range"]
    assert ("max_players__lte", limits.MAX_PLAYERS_PER_ROOM) in constraint.condition.children


@pytest.mark.django_db
def test_the_limits_the_schema_holds_need_no_new_migration():
    # A changed MAX_PLAYERS_PER_ROOM or CHAT_MESSAGE_MAX_CHARS without its migration fails here.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_byte_limits_are_stated_in_kilobytes():
    assert limits.in_kb(16 * 1024) == "16 KB"
    assert limits.in_kb(256 * 1024) == "256 KB"
    assert limits.in_kb(1000) == "1000 bytes"
