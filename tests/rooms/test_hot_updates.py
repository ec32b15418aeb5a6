"""Status updates write as few index entries as the schema allows (issue 15).

A room UPDATE can be HOT (a heap-only tuple: no new index entries) only when no index covers
a column it writes. Every change of a room writes last_activity, updated_at and version, and
every status update writes its member's ping, data and status; an index over any of them (the
retention index on updated_at once did) silently makes every status update write an entry
into every index of the table. Indexes that another index already leads with are the same
cost for nothing.
"""

from __future__ import annotations

import pytest
from django.db import connection

from gamebuddies.actors import Actor
from rooms.services import status as status_services
from tests.factories import make_room

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Columns each status update writes, per table (rooms/services/status.py, fast_status.py).
WRITTEN_BY_EVERY_STATUS_UPDATE = {
    "rooms": {"last_activity", "updated_at", "version"},
    "room_members": {"last_ping", "game_data", "status", "version", "disconnected_at", "in_game"},
}
HOT_PATH_TABLES = ("rooms", "room_members", "room_events", "player_status_history")


def _indexes(table: str) -> list[dict]:
    """Each index of `table`: name, key columns in order (with their operator classes), whether
    unique, whether partial, and the columns its predicate reads."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, x.indisunique, x.indpred IS NOT NULL,
                   ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n),
                   ARRAY(SELECT o.opcname FROM unnest(x.indclass) WITH ORDINALITY c(oid, n)
                         JOIN pg_opclass o ON o.oid = c.oid ORDER BY c.n),
                   ARRAY(SELECT a.attname FROM pg_attribute a
                          WHERE a.attrelid = x.indrelid AND a.attnum > 0
                            AND pg_get_expr(x.indpred, x.indrelid) ~ ('\\m' || a.attname || '\\M'))
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = %s::regclass
            """,
            [table],
        )
        return [
            {
                "name": name,
                "unique": unique,
                "partial": partial,
                "columns": set(keys),
                # varchar_pattern_ops (LIKE) and the default class serve different queries
                "keys": list(zip(keys, opclasses, strict=True)),
                "predicate": set(predicate),
            }
            for name, unique, partial, keys, opclasses, predicate in cursor.fetchall()
        ]


@pytest.mark.parametrize("table", sorted(WRITTEN_BY_EVERY_STATUS_UPDATE))
def test_no_index_covers_a_column_every_status_update_writes(table):
    written = WRITTEN_BY_EVERY_STATUS_UPDATE[table]
    for index in _indexes(table):
        covered = index["columns"] | index["predicate"]
        assert not covered & written, f"{index['name']} covers {sorted(covered & written)}: no HOT update of {table}"


@pytest.mark.parametrize("table", HOT_PATH_TABLES)
def test_no_plain_index_is_a_leading_prefix_of_another(table):
    indexes = _indexes(table)
    for index in indexes:
        if index["unique"] or index["partial"]:
            continue  # a constraint or a filtered set: not redundant by its columns alone
        keys = index["keys"]
        for other in indexes:
            if other is not index and not other["partial"] and other["keys"][: len(keys)] == keys:
                pytest.fail(f"{index['name']} {keys} is redundant with {other['name']} {other['keys']}")


def test_a_status_update_changes_the_room_row_without_new_index_entries():
    room, seats = make_room(players=2)
    with connection.cursor() as cursor:
        # The counters of this transaction alone (pytest-django's test transaction).
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'rooms'")
        before_updates, before_hot = cursor.fetchone()
    status_services.update_player_status(
        room=room.room_code, player_id=seats[1].player.pk, status="lobby", actor=Actor.system("test")
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'rooms'")
        updates, hot = cursor.fetchone()
    assert updates > before_updates
    assert hot - before_hot == updates - before_updates
