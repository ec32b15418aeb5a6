"""Fixtures for the original API's routes: a client with the catalog game's key, one without, fresh CORS origins."""

from __future__ import annotations

import pytest

from gameapi.compat import cors

from ..client import make_key
from .original_games import RawClient


@pytest.fixture(autouse=True)
def _fresh_origins():
    cors.forget_allowed_origins()
    yield
    cors.forget_allowed_origins()


@pytest.fixture
def game(db, quiz_game):
    """A key bound to the catalog game, as each original game has its own key."""
    raw, key = make_key(game_slug=quiz_game.slug, service="quiz-server")
    return RawClient(raw)


@pytest.fixture
def anon(db, quiz_game):
    return RawClient()
