"""Fixtures for the Game API: keys made through the real services and a client that speaks JSON."""

from __future__ import annotations

import pytest

from .client import ApiClient, make_key
from .fixtures import _request_log_flushed_by_tests  # noqa: F401 - autouse fixture


@pytest.fixture
def api(db) -> ApiClient:
    raw, _ = make_key()
    return ApiClient(raw)
