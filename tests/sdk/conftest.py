"""Fixtures for the Python SDK: a live server, keys made through gameapi's services, a client.

The SDK is imported from sdk/python (what `pip install ./sdk/python` installs), so the
suite runs whether or not the package is installed into the venv.
"""

from __future__ import annotations

import io
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

SDK_PATH = str(settings.BASE_DIR / "sdk" / "python")
if SDK_PATH not in sys.path:
    sys.path.insert(0, SDK_PATH)

from gamebuddies_sdk import GameBuddiesClient, RetryPolicy  # noqa: E402

from gameapi.models import ALL_SCOPES  # noqa: E402
from gameapi.services import api_key_create  # noqa: E402

# Quick retries: the behaviour under test is the same at any scale.
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.05, backoff_max=0.2)


def make_key(*, scopes=None, game_slug=None, rate_limits=None, service="sdk-tests") -> str:
    issued = api_key_create(
        service_name=service,
        scopes=list(ALL_SCOPES) if scopes is None else scopes,
        game_slug=game_slug,
        rate_limits=rate_limits,
    )
    return issued.raw_key


@pytest.fixture
def demo_games(transactional_db):
    call_command("load_demo_data", stdout=io.StringIO())


@pytest.fixture
def api_key(transactional_db) -> str:
    return make_key()


@pytest.fixture
def client(live_server_url, api_key, demo_games):
    with GameBuddiesClient(live_server_url, api_key, retry=FAST_RETRY, timeout=10) as sdk:
        yield sdk
