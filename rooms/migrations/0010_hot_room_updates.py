"""Status updates write fewer index entries (issue 15): room UPDATEs can be HOT, redundant indexes go.

- The retention index moves from updated_at to created_at. Every change of a room writes
  updated_at, and an index on a written column rules out HOT updates: each status update
  added an entry to all six indexes of `rooms` (pg_stat_user_tables showed 0 HOT of 5,512).
- The Django foreign-key indexes that a composite index already leads with are dropped:
  room_members.room_id (one_seat_per_player, idx_room_members_room_conn), room_members.player_id
  (idx_room_members_user_loc), room_events.room_id (idx_room_events_room_version).
- `rooms` and `room_members` keep a fifth of each page free, so the new row version of an
  update finds room on its page (the other condition for HOT).

Built and dropped CONCURRENTLY on PostgreSQL (hence atomic = False); only the model state
changes for the foreign keys, by an explicit DROP INDEX, because an AlterField on SQLite
rebuilds the table and would lose its version triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

from gamebuddies.migration_ops import (
    AddIndexConcurrentlyOnPostgres,
    RemoveIndexConcurrentlyOnPostgres,
    RunSQLByVendor,
)

# (index, table, column) as Django named them when it created the foreign keys.
REDUNDANT_FK_INDEXES = [
    ("room_members_room_id_41ee79e8", "room_members", "room_id"),
    ("room_members_player_id_ccff8c39", "room_members", "player_id"),
    ("room_events_room_id_11e20f80", "room_events", "room_id"),
]
FILLFACTOR_TABLES = ("rooms", "room_members")


def _drops(concurrently: bool) -> list[str]:
    how = "CONCURRENTLY " if concurrently else ""
    return [f"DROP INDEX {how}IF EXISTS {name}" for name, _, _ in REDUNDANT_FK_INDEXES]


def _creates(concurrently: bool) -> list[str]:
    how = "CONCURRENTLY " if concurrently else ""
    return [
        f"CREATE INDEX {how}IF NOT EXISTS {name} ON {table} ({column})" for name, table, column in REDUNDANT_FK_INDEXES
    ]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("players", "0006_player_avatar"),
        ("rooms", "0009_chat_and_public_rooms"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="room",
            index=models.Index(
                condition=models.Q(("status__in", ["finished", "abandoned"])),
                fields=["created_at"],
                name="idx_rooms_ended_created",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgres(model_name="room", name="idx_rooms_ended_updated"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                RunSQLByVendor(
                    forwards={"postgresql": _drops(True), "sqlite": _drops(False)},
                    backwards={"postgresql": _creates(True), "sqlite": _creates(False)},
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="roomevent",
                    name="room",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="rooms.room",
                    ),
                ),
                migrations.AlterField(
                    model_name="roommember",
                    name="player",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="players.player",
                    ),
                ),
                migrations.AlterField(
                    model_name="roommember",
                    name="room",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="rooms.room",
                    ),
                ),
            ],
        ),
        RunSQLByVendor(
            forwards={"postgresql": [f"ALTER TABLE {t} SET (fillfactor = 80)" for t in FILLFACTOR_TABLES]},
            backwards={"postgresql": [f"ALTER TABLE {t} RESET (fillfactor)" for t in FILLFACTOR_TABLES]},
        ),
    ]
