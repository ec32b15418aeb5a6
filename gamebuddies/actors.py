"""Who is asking: services authorise against an Actor, never against a view's request."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    PLAYER = "player"
    API_KEY = "api_key"
    STAFF = "staff"
    SYSTEM = "system"
    # An anonymous page visitor: may open a room or take a seat, nothing else.
    VISITOR = "visitor"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    player_id: uuid.UUID | None = None
    # A player's session is for exactly one room; it can never act on another.
    room_id: uuid.UUID | None = None
    api_key_id: int | None = None
    # An API key bound to a game can only touch rooms playing that game.
    game_slug: str | None = None
    label: str = ""
    # A staff member's admin permissions ("rooms.close_room"); services check them
    # (rooms.permissions.require_staff_permission). Never recorded in events.
    permissions: frozenset[str] = frozenset()

    @classmethod
    def player(cls, *, player_id: uuid.UUID, room_id: uuid.UUID) -> Actor:
        return cls(ActorKind.PLAYER, player_id=player_id, room_id=room_id)

    @classmethod
    def api_key(cls, *, api_key_id: int, game_slug: str | None, label: str = "") -> Actor:
        return cls(ActorKind.API_KEY, api_key_id=api_key_id, game_slug=game_slug, label=label)

    @classmethod
    def staff(cls, *, label: str = "staff", permissions: Iterable[str] = ()) -> Actor:
        return cls(ActorKind.STAFF, label=label, permissions=frozenset(permissions))

    @classmethod
    def visitor(cls, *, label: str = "visitor") -> Actor:
        return cls(ActorKind.VISITOR, label=label)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(ActorKind.SYSTEM, label=label)

    @property
    def is_player(self) -> bool:
        return self.kind == ActorKind.PLAYER

    @property
    def source(self) -> str:
        return self.kind.value

    def as_event_data(self) -> dict:
        data: dict = {"kind": self.kind.value}
        if self.player_id:
            data["playerId"] = str(self.player_id)
        if self.api_key_id:
            data["apiKeyId"] = self.api_key_id
        if self.label:
            data["label"] = self.label
        return data
