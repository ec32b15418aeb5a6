"""Fault tests use the Game API's fixtures; the request log stays in memory (no stray rows)."""

from __future__ import annotations

import pytest

from gameapi import request_log


@pytest.fixture(autouse=True)
def _request_log_not_written(settings):
    settings.GAME_API_REQUEST_LOG_BACKGROUND = False
    request_log.buffer.discard()
    yield
    request_log.buffer.discard()
