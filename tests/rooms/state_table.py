"""The table behind tests/rooms/test_state_rules.py: scenes, reports, and what the rule expects.

A scene is one room with two seats, the host (in the lobby, connected, never reported on)
and the member every case is about. `set_scene` puts the room in a status and the member in
a location directly (not through the services: the point is to reach every combination,
including a lobby room with the member stranded in the game, which the services no longer
produce). `expected` states the issue's rule independently of the services' code:

- a report that puts (or keeps) the member in the game is accepted only while the room is
  `in_game`, or `returning` for a member still in the game; otherwise 409 ROOM_NOT_IN_GAME
  with the room's status, and nothing changes (same room version, no history row);
- an accepted report raises the room version by one, writes one history row and, in a
  returning room that nobody is left in the game of, makes the room a lobby.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from players.models import PlayerStatusHistory
from rooms.models import Room, RoomEvent, RoomMember
from rooms.services.status import heartbeat_cache_key
from tests.factories import make_room

ROOM_STATUSES = ("lobby", "in_game", "returning")
LOCATIONS = ("lobby", "game", "disconnected")
# Every status, without a location and with each location it may be reported with.
REPORTS = (
    ("connected", None),
    ("connected", "lobby"),
    ("connected", "game"),
    ("lobby", None),
    ("lobby", "lobby"),
    ("in_game", None),
    ("in_game", "game"),
    ("returning", None),
    ("returning", "lobby"),
    ("returning", "game"),
    ("disconnected", None),
    ("disconnected", "disconnected"),
)
# The documented defaults: a status without a location goes here ("connected" stays put).
DEFAULT_LOCATION = {"lobby": "lobby", "in_game": "game", "returning": "lobby", "disconnected": "disconnected"}
# Bulk rows always name the location; the status defaults from it.
BULK_ROWS = (
    (None, "lobby"),
    ("connected", "lobby"),
    ("lobby", "lobby"),
    ("returning", "lobby"),
    (None, "game"),
    ("connected", "game"),
    ("in_game", "game"),
    ("returning", "game"),
    (None, "disconnected"),
    ("disconnected", "disconnected"),
)
BULK_DEFAULT_STATUS = {"lobby": "lobby", "game": "in_game", "disconnected": "disconnected"}

# How a member in each location looks (the status the services leave them with).
SCENE_MEMBER = {
    "lobby": {"current_location": "lobby", "status": "connected", "is_connected": True, "in_game": False},
    "game": {"current_location": "game", "status": "in_game", "is_connected": True, "in_game": True},
    "disconnected": {
        "current_location": "disconnected",
        "status": "disconnected",
        "is_connected": False,
        "in_game": False,
    },
}


@dataclass(frozen=True)
class Case:
    room_status: str
    member_location: str
    status: str  # what the member's status becomes if the report is accepted
    location: str | None  # as sent; None: the default for the status
    sent_status: str | None = "-"  # bulk rows may leave the status out (None); "-": as `status`

    @property
    def id(self) -> str:
        sent = self.status if self.sent_status == "-" else (self.sent_status or "(default)")
        return f"{self.room_status}-room/{self.member_location}-member/{sent}@{self.location or '(default)'}"

    @property
    def target(self) -> str:
        """Where the report would put the member."""
        if self.location:
            return self.location
        if self.status in DEFAULT_LOCATION:
            return DEFAULT_LOCATION[self.status]
        if self.member_location != "disconnected":  # "connected": stay where you are
            return self.member_location
        return "game" if self.room_status == "in_game" else "lobby"  # ...or come back where the room is

    @property
    def refused(self) -> bool:
        """The issue's rule: in the game only while the room plays one (returning: for those still in it)."""
        if self.target != "game" or self.room_status == "in_game":
            return False
        return not (self.room_status == "returning" and self.member_location == "game")

    @property
    def room_status_after(self) -> str:
        # The host is in the lobby: a returning room is a lobby once this member is out of the game.
        if self.room_status == "returning" and self.target != "game":
            return "lobby"
        return self.room_status


STATUS_CASES = [Case(r, m, s, loc) for r in ROOM_STATUSES for m in LOCATIONS for s, loc in REPORTS]
BULK_CASES = [
    Case(r, m, status or BULK_DEFAULT_STATUS[loc], loc, sent_status=status)
    for r in ROOM_STATUSES
    for m in LOCATIONS
    for status, loc in BULK_ROWS
]


def case_id(case: Case) -> str:
    return case.id


@dataclass
class Scene:
    room: Room
    seats: list

    @property
    def code(self) -> str:
        return self.room.room_code

    @property
    def host(self):
        return self.seats[0]

    @property
    def member(self):
        return self.seats[1]

    @property
    def player_id(self):
        return self.member.player.pk

    @property
    def member_pk(self) -> int:
        return self.member.member.pk

    def path(self, action: str = "status", *, prefix: str = "") -> str:
        return f"{prefix}/rooms/{self.code}/players/{self.player_id}/{action}"


def make_scene(**kwargs) -> Scene:
    room, seats = make_room(players=2, **kwargs)
    return Scene(room=room, seats=seats)


@dataclass(frozen=True)
class Before:
    version: int
    last_history_id: int
    member: dict


@pytest.fixture
def lean_path(settings, monkeypatch):
    """The lean path on, and the DRF views it stands in for out of reach: a request that fell
    through to Django would answer 500, so these tests check the lean path and nothing else."""
    from gameapi.views import game, players

    settings.GAMEAPI_LEAN_PATH = True

    def not_here(*args, **kwargs):
        raise AssertionError("served by the DRF view, not the lean path")

    for view in (players.StatusView, players.HeartbeatView, players.BulkStatusView, game.GameEndView):
        monkeypatch.setattr(view, "post", not_here)


AGREEMENT_TRIGGERS = (
    ("room_members", "room_members_game_needs_room_in_game"),
    ("rooms", "rooms_lobby_has_nobody_in_game"),
)


@contextlib.contextmanager
def agreement_triggers_off():
    """On PostgreSQL, within the caller's transaction: rows written meanwhile are not checked
    by the room/location triggers (migration 0006). Only to build a stranded scene."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses to run while checks are queued (Django's deferred foreign keys,
        # inside a test's transaction): run them now, and defer again afterwards.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in AGREEMENT_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        try:
            yield
        finally:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in AGREEMENT_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def set_scene(scene: Scene, room_status: str, member_location: str) -> Before:
    """Room and member as named, the member's presence fresh and nothing in the cache."""
    now = timezone.now()
    stranded = room_status == "lobby" and member_location == "game"
    with transaction.atomic(), agreement_triggers_off() if stranded else contextlib.nullcontext():
        RoomMember.objects.filter(pk=scene.member_pk).update(
            **SCENE_MEMBER[member_location],
            last_ping=now,
            disconnected_at=now if member_location == "disconnected" else None,
        )
        Room.objects.filter(pk=scene.room.pk).update(status=room_status)
    cache.delete(heartbeat_cache_key(scene.member_pk))
    return snapshot_before(scene)


def snapshot_before(scene: Scene) -> Before:
    last = PlayerStatusHistory.objects.filter(room_id=scene.room.pk).order_by("-id").values_list("id", flat=True)
    return Before(
        version=Room.objects.values_list("version", flat=True).get(pk=scene.room.pk),
        last_history_id=last.first() or 0,
        member=member_row(scene),
    )


def member_row(scene: Scene) -> dict:
    return RoomMember.objects.values("current_location", "status", "is_connected", "in_game").get(pk=scene.member_pk)


def history_since(scene: Scene, since: Before) -> list[dict]:
    return list(
        PlayerStatusHistory.objects.filter(room_id=scene.room.pk, id__gt=since.last_history_id)
        .order_by("id")
        .values("player_id", "old_location", "new_location", "old_status", "new_status", "reason")
    )


@dataclass(frozen=True)
class Outcome:
    """One entry point's answer, in common terms: accepted, or the error code and details."""

    ok: bool
    code: str | None = None
    details: dict | None = None
    version: int | None = None  # the room version the answer names, where it names one

    @classmethod
    def from_http(cls, status: int, body: dict) -> Outcome:
        if status == 200:
            return cls(ok=True, version=body.get("roomVersion"))
        return cls(ok=False, code=body.get("code"), details=body.get("details"))

    @classmethod
    def from_ack(cls, ack: dict) -> Outcome:
        if ack["success"]:
            return cls(ok=True, version=ack["version"])
        return cls(ok=False, code=ack["error"]["code"], details=ack["error"].get("details"))


def check_report(case: Case, scene: Scene, was: Before, outcome: Outcome, *, reason: str | None = None) -> None:
    """Assert what the rule says of this status report (and only of this one)."""
    room = Room.objects.values("version", "status").get(pk=scene.room.pk)
    history = history_since(scene, was)
    if case.refused:
        assert (outcome.ok, outcome.code) == (False, "ROOM_NOT_IN_GAME"), outcome
        assert (outcome.details or {}).get("roomStatus") == case.room_status, outcome
        assert room == {"version": was.version, "status": case.room_status}, "a refused report changed the room"
        assert member_row(scene) == was.member, "a refused report changed the member"
        assert history == [], "a refused report left a history row"
        return
    assert outcome.ok, outcome
    assert outcome.version in (None, was.version + 1), outcome
    assert room == {"version": was.version + 1, "status": case.room_status_after}, room
    assert member_row(scene) == {
        "current_location": case.target,
        "status": case.status,
        "is_connected": case.target != "disconnected",
        "in_game": case.target == "game",
    }
    expected_row = {
        "player_id": scene.player_id,
        "old_location": case.member_location,
        "new_location": case.target,
        "old_status": was.member["status"],
        "new_status": case.status,
    }
    assert [{k: v for k, v in row.items() if k != "reason"} for row in history] == [expected_row], history
    if reason is not None:
        assert history[0]["reason"] == reason, history
    assert RoomEvent.objects.filter(room_id=scene.room.pk, room_version=was.version + 1).count() == 1


def seat_socket(room_code: str, token: str, *, client: str = "lobby"):
    """A same-origin page's socket for a seat: the lobby's, or the game page's (`?client=game`)."""
    from channels.testing import WebsocketCommunicator

    from gamebuddies.asgi import application

    from .sockets import SAME_ORIGIN, cookie_header

    headers = [(b"host", b"testserver"), (b"origin", SAME_ORIGIN), (b"cookie", cookie_header(room_code, token))]
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room_code}/?client={client}", headers=headers)
    communicator.scope["client"] = ("127.0.0.1", 50000)
    return communicator


UNLIMITED = {"status": "1000/m", "heartbeat": "1000/m", "bulk": "1000/m", "write": "1000/m"}


class LeanTable:
    """One scene and one API key for a table of cases through the lean path (the ASGI app on
    this test's event loop): every case's failure is collected, the pools settled at the end."""

    async def __aenter__(self) -> LeanTable:
        from gamebuddies import pg
        from tests.gameapi.client import make_key

        self.run_orm = pg.run_orm
        self.raw_key, _ = await pg.run_orm(make_key, service="rules-game", rate_limits=UNLIMITED)
        self.scene = await pg.run_orm(make_scene)
        self.failures = Failures()
        return self

    async def set_scene(self, room_status: str, member_location: str) -> Before:
        return await self.run_orm(set_scene, self.scene, room_status, member_location)

    async def post(self, path: str, body: dict | None = None):
        from tests.gameapi.lean_client import asgi_request

        raw = json.dumps(body).encode() if body is not None else b""
        return await asgi_request("POST", path, body=raw, headers={"X-API-Key": self.raw_key})

    async def check(self, name: str, check, *args, **kwargs) -> None:
        with self.failures.case(name):
            await self.run_orm(check, *args, **kwargs)

    async def __aexit__(self, exc_type, *rest) -> None:
        from tests.gameapi.lean_client import settle

        await settle()
        if exc_type is None:
            self.failures.assert_none()


class Failures:
    """Run many cases in one test and report every one that failed, not just the first."""

    def __init__(self):
        self.found: list[str] = []

    @contextlib.contextmanager
    def case(self, case_name: str):
        try:
            yield
        except AssertionError as exc:
            self.found.append(f"{case_name}: {exc}".strip())

    def assert_none(self) -> None:
        assert not self.found, f"{len(self.found)} case(s) broke the rule:\n" + "\n".join(self.found)
