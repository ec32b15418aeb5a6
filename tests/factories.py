"""Rooms and seats for tests, made through the real services."""

from __future__ import annotations

from gamebuddies.actors import Actor
from rooms import services
from rooms.models import Room, RoomStatus

SYSTEM = Actor.system("factory")


def make_room(*, players: int = 1, game_slug: str | None = None, max_players: int | None = None, in_game=False):
    """A lobby with `players` seats (the first is host); returns (room, [SeatResult...]).

    `in_game=True`: the room's status is in_game (its game running) with the seats still where
    they were, the state a game server's first reports meet.
    """
    host = services.room_create(
        host_name="Host", actor=SYSTEM, game_slug=game_slug, max_players=max_players or max(players, 8)
    )
    seats = [host]
    for index in range(1, players):
        seats.append(services.room_join(room=host.room.room_code, display_name=f"Player {index}", actor=SYSTEM))
    if in_game:
        Room.objects.filter(pk=host.room.pk).update(status=RoomStatus.IN_GAME)
    room = Room.objects.get(pk=host.room.pk)
    return room, seats


def player_actor(seat) -> Actor:
    return Actor.player(player_id=seat.player.pk, room_id=seat.room.pk)
