"""Fixtures for the Python SDK: a live server, keys made through gameapi's services, a client.

The SDK is imported from sdk/python (what `pip install ./sdk/python` installs) by
tests/sdk/sdk_setup.py, so the suite runs whether or not the package is installed into the venv.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from .sdk_setup import FAST_RETRY, GameBuddiesClient, make_key


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
