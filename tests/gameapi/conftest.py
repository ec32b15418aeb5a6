"""Fixtures for the Game API: keys made through the real services and a client that speaks JSON."""

from __future__ import annotations

import pytest

from gameapi import request_log

# Tests outside tests/gameapi/ still import these names from here; new code imports tests.gameapi.client.
from .client import API, ApiClient, assert_envelope, make_key  # noqa: F401


@pytest.fixture(autouse=True)
def _request_log_flushed_by_tests(settings):
    # No background thread in tests: rows are written when a test calls request_log.flush().
    settings.GAME_API_REQUEST_LOG_BACKGROUND = False
    request_log.buffer.discard()
    yield
    request_log.buffer.discard()


@pytest.fixture
def api(db) -> ApiClient:
    raw, _ = make_key()
    return ApiClient(raw)
