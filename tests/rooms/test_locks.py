"""rooms/locks.py: the room row lock every writer takes first, and the members it protects;
the in-transaction hooks of rooms/services/changes.py."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gamebuddies.errors import RoomClosedError, RoomNotFoundError
from rooms import services
from rooms.locks import lock_room, members_of_locked_room
from rooms.models import Room, RoomEvent, RoomStatus
from rooms.services import changes
from tests.factories import SYSTEM, make_room

pytestmark = pytest.mark.django_db(transaction=True)


def test_lock_room_and_members_of_locked_room_refuse_to_run_outside_a_transaction():
    room, _ = make_room(players=1)
    with pytest.raises(AssertionError, match="lock_room needs a transaction"):
        lock_room(room.pk)
    with pytest.raises(AssertionError, match="members_of_locked_room needs a transaction"):
        members_of_locked_room(room)


def test_a_room_is_locked_by_instance_id_or_code_alike():
    room, _ = make_room(players=1)
    with transaction.atomic():
        found = {lock_room(ref).pk for ref in (room, room.pk, room.room_code, room.room_code.lower())}
    assert found == {room.pk}


def test_codes_that_are_malformed_unknown_or_closed_get_the_same_answers_as_the_selector():
    room, _ = make_room(players=1)
    Room.objects.filter(pk=room.pk).update(status=RoomStatus.FINISHED)
    with transaction.atomic():
        with pytest.raises(RoomClosedError):
            lock_room(room.room_code)
        with pytest.raises(RoomNotFoundError):
            lock_room("OOOOOO")  # O is not in the code alphabet
        with pytest.raises(RoomNotFoundError):
            lock_room("ZZZZZZ")


def test_a_closed_room_is_locked_by_id_only_when_the_caller_allows_it():
    room, _ = make_room(players=1)
    Room.objects.filter(pk=room.pk).update(status=RoomStatus.ABANDONED)
    with transaction.atomic():
        with pytest.raises(RoomClosedError):
            lock_room(room.pk)
        assert lock_room(room.pk, allow_closed=True).pk == room.pk


@pytest.mark.postgres
def test_lock_room_takes_the_row_lock_and_members_of_locked_room_takes_none():
    room, _ = make_room(players=3)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        lock_room(room.pk)
        members = members_of_locked_room(room)
    lock_sql, members_sql = (q["sql"] for q in queries.captured_queries)
    assert "FOR UPDATE" in lock_sql
    assert "FOR UPDATE" not in members_sql  # the room's lock protects them
    assert len(members) == 3 and all(key == m.player_id for key, m in members.items())


def test_in_transaction_hooks_run_before_commit_so_their_failure_undoes_the_change(monkeypatch):
    room, _ = make_room(players=1)
    seen = []

    def hook(*, room, event, changes, payload):
        seen.append((event, connection.in_atomic_block))
        raise RuntimeError("the outbox could not write")

    monkeypatch.setattr(changes, "IN_TRANSACTION_HOOKS", [hook])
    with pytest.raises(RuntimeError):
        services.room_join(room=room.room_code, display_name="Bea", actor=SYSTEM)
    assert seen == [("player_joined", True)]
    assert not RoomEvent.objects.filter(room=room, event_type="player_joined").exists()
    assert Room.objects.get(pk=room.pk).version == room.version


def test_a_hook_is_registered_once_however_often_an_app_registers_it(monkeypatch):
    monkeypatch.setattr(changes, "IN_TRANSACTION_HOOKS", [])
    monkeypatch.setattr(changes, "IN_TRANSACTION_HOOK_PROBES", [])

    def hook(**kwargs):
        return None

    async def probe(room):
        return True

    changes.register_in_transaction_hook(hook, probe=probe)
    changes.register_in_transaction_hook(hook, probe=probe)
    assert changes.IN_TRANSACTION_HOOKS == [hook] and changes.IN_TRANSACTION_HOOK_PROBES == [probe]
