"""Rooms in the states the original games meet, and a client that calls as those games call."""

from __future__ import annotations

import json

from django.test import Client

from rooms import services
from tests.factories import SYSTEM, make_room

GAME_ORIGIN = "https://games.example"  # the quiz_game fixture's launch URL origin


class RawClient:
    """Requests to any path on the site (the compat routes live outside /api/v2 too)."""

    def __init__(self, raw_key: str | None = None):
        self.raw_key = raw_key
        self.client = Client(REMOTE_ADDR="203.0.113.9")

    def _headers(self, headers):
        merged = {"X-API-Key": self.raw_key} if self.raw_key else {}
        merged.update(headers or {})
        return merged

    def get(self, path, *, headers=None, **query):
        return self.client.get(path, query or None, headers=self._headers(headers))

    def post(self, path, body=None, *, headers=None, content_type="application/json"):
        data = b"" if body is None else json.dumps(body).encode()
        return self.client.generic("POST", path, data, content_type=content_type, headers=self._headers(headers))

    def options(self, path, *, headers=None):
        return self.client.options(path, headers=headers or {})


def playing_room(players: int = 3):
    """A quiz room whose game is running: every seat in the game."""
    room, seats = make_room(players=players, game_slug="quiz")
    services.game_start(room=room.pk, actor=SYSTEM)
    room.refresh_from_db()
    return room, seats


def base(room) -> str:
    return f"/api/v2/game/rooms/{room.room_code}"
