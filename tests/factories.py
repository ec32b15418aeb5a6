"""Rooms and seats for tests, made through the real services."""

from __future__ import annotations

from gamebuddies.actors import Actor
from rooms import services
from rooms.models import Room

SYSTEM = Actor.system("factory")


def make_room(*, players: int = 1, game_slug: str | None = None, max_players: int | None = None):
    """A lobby with `players` seats (the first is host); returns (room, [SeatResult...])."""
    host = services.room_create(
        host_name="Host", actor=SYSTEM, game_slug=game_slug, max_players=max_players or max(players, 8)
    )
    seats = [host]
    for index in range(1, players):
        seats.append(services.room_join(room=host.room.room_code, display_name=f"Player {index}", actor=SYSTEM))
    room = Room.objects.get(pk=host.room.pk)
    return room, seats


def player_actor(seat) -> Actor:
    return Actor.player(player_id=seat.player.pk, room_id=seat.room.pk)
