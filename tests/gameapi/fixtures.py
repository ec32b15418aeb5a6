"""The Game API's shared autouse fixture, for conftests and test modules outside tests/gameapi/
whose requests go through the API (import it into the module or conftest that needs it)."""

from __future__ import annotations

import pytest

from gameapi import request_log


@pytest.fixture(autouse=True)
def _request_log_flushed_by_tests(settings):
    # No background thread in tests: rows are written when a test calls request_log.flush().
    settings.GAME_API_REQUEST_LOG_BACKGROUND = False
    request_log.buffer.discard()
    yield
    request_log.buffer.discard()
