"""The database enforces the platform's rules on every code path (issue: foundation)."""

import pytest
from django.db import IntegrityError, connection, transaction

from players.models import PlayerSession
from players.tokens import hash_token
from rooms.models import Room, RoomMember
from tests.factories import make_room

LISTED_INDEXES = {
    # name: is partial (WHERE ...)
    "idx_rooms_room_code": True,
    "idx_player_sessions_token": True,
    "idx_player_sessions_user_room": False,
    "idx_room_members_room_conn": False,
    "idx_room_members_user_loc": False,
    "idx_room_members_socket": True,
    "idx_game_states_room_game": False,
    "idx_player_status_history_user": False,
    "idx_api_keys_hash_active": True,
    "idx_unique_active_session": True,
}


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_listed_index_exists_in_pg_indexes_and_partial_ones_have_where():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        found = dict(cursor.fetchall())
    for name, partial in LISTED_INDEXES.items():
        assert name in found, f"missing index {name}"
        assert (" WHERE " in found[name]) == partial, found[name]
    assert "UNIQUE" in found["idx_rooms_room_code"] and "UNIQUE" in found["idx_unique_active_session"]
    assert "DESC" in found["idx_game_states_room_game"] and "DESC" in found["idx_player_status_history_user"]


@pytest.mark.django_db
def test_every_listed_index_exists_on_sqlite_too():
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL pass checks pg_indexes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        found = dict(cursor.fetchall())
    for name, partial in LISTED_INDEXES.items():
        assert name in found, f"missing index {name}"
        assert (" WHERE " in found[name]) == partial, found[name]


def _version(table, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _room_pk_param(room):
    # UUIDs are stored as native uuid on PostgreSQL and as 32-char hex on SQLite.
    return room.pk if connection.vendor == "postgresql" else room.pk.hex


@pytest.mark.django_db
def test_raw_sql_update_of_a_room_bumps_its_version_by_exactly_one():
    room, _ = make_room()
    before = _version("rooms", _room_pk_param(room))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rooms SET metadata = %s WHERE id = %s", ['{"x": 1}', _room_pk_param(room)])
        cursor.execute("UPDATE rooms SET version = 999 WHERE id = %s", [_room_pk_param(room)])
    assert _version("rooms", _room_pk_param(room)) == before + 2


@pytest.mark.django_db
def test_raw_sql_update_of_a_member_bumps_its_version_by_exactly_one():
    room, seats = make_room(players=2)
    member = seats[1].member
    before = _version("room_members", member.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE room_members SET is_ready = %s WHERE id = %s", [True, member.pk])
    assert _version("room_members", member.pk) == before + 1


@pytest.mark.django_db
def test_orm_save_of_a_stale_instance_still_bumps_from_the_stored_version():
    room, _ = make_room()
    stale = Room.objects.get(pk=room.pk)
    Room.objects.filter(pk=room.pk).update(max_players=9)
    stale.max_players = 10
    stale.save()
    assert Room.objects.get(pk=room.pk).version == room.version + 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"current_location": "disconnected", "is_connected": True},
        {"current_location": "lobby", "is_connected": False},
        {"current_location": "lobby", "in_game": True},
        {"current_location": "game", "in_game": False},
    ],
)
def test_check_constraint_rejects_a_member_whose_location_disagrees_with_its_flags(fields):
    room, seats = make_room(players=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoomMember.objects.filter(pk=seats[1].member.pk).update(**fields)
    assert RoomMember.objects.get(pk=seats[1].member.pk).current_location == "lobby"


@pytest.mark.django_db
def test_a_second_active_session_for_the_same_player_and_room_is_rejected():
    room, seats = make_room()
    existing = PlayerSession.objects.get(player=seats[0].player, status="active")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlayerSession.objects.create(
            player=seats[0].player, room=room, token_hash=hash_token("gbs_other"), expires_at=existing.expires_at
        )


@pytest.mark.django_db
def test_live_room_codes_are_unique_but_a_finished_room_frees_its_code():
    room, _ = make_room()
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(room_code=room.room_code)
    Room.objects.filter(pk=room.pk).update(status="finished")
    assert Room.objects.create(room_code=room.room_code).room_code == room.room_code
