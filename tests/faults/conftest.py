"""Fault tests use the Game API's fixtures; the request log stays in memory (no stray rows)."""

from tests.gameapi.fixtures import _request_log_flushed_by_tests  # noqa: F401 - autouse fixture, shared
