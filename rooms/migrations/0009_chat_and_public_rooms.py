"""Lobby chat (its own tables: chat never bumps a room's version) and public lobbies.

`Room.is_public` (NOT NULL, default false) is a plain ADD COLUMN on PostgreSQL. SQLite
cannot add a NOT NULL column in place: Django rebuilds the rooms table, which drops the
version trigger of migration 0003, so it is created again right after (and, going back,
after the column is removed). The room browser's index is built CONCURRENTLY on
PostgreSQL (hence atomic = False).
"""

import django.db.models.deletion
from django.db import migrations, models

from gamebuddies.migration_ops import AddIndexConcurrentlyOnPostgres, RunSQLByVendor

PLAYER = "players.player"

# migration 0003's SQLite trigger on rooms, verbatim
SQLITE_ROOMS_TRIGGER = [
    "DROP TRIGGER IF EXISTS rooms_version_trigger;",
    """
    CREATE TRIGGER rooms_version_trigger AFTER UPDATE ON rooms
    FOR EACH ROW WHEN NEW.version IS NOT OLD.version + 1
    BEGIN
      UPDATE rooms SET version = OLD.version + 1 WHERE id = NEW.id;
    END;
    """,
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("players", "0001_initial"),
        ("rooms", "0008_game_run_id"),
    ]

    operations = [
        RunSQLByVendor(forwards={}, backwards={"sqlite": SQLITE_ROOMS_TRIGGER}),
        migrations.AddField(model_name="room", name="is_public", field=models.BooleanField(default=False)),
        RunSQLByVendor(forwards={"sqlite": SQLITE_ROOMS_TRIGGER}, backwards={}),
        AddIndexConcurrentlyOnPostgres(
            model_name="room",
            index=models.Index(
                condition=models.Q(("is_public", True), ("status", "lobby")),
                fields=["-created_at"],
                name="idx_rooms_public_lobby",
            ),
        ),
        migrations.CreateModel(
            name="ChatMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("author_name", models.CharField(max_length=24)),
                ("text", models.CharField(max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "player",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=PLAYER
                    ),
                ),
                (
                    "room",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="chat_messages", to="rooms.room"
                    ),
                ),
            ],
            options={
                "db_table": "room_chat_messages",
                "indexes": [models.Index(fields=["room", "-id"], name="idx_chat_room_newest")],
            },
        ),
        migrations.CreateModel(
            name="ChatModeration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("mute", "Mute"),
                            ("unmute", "Unmute"),
                            ("delete", "Delete"),
                            ("spectators_on", "Spectators On"),
                            ("spectators_off", "Spectators Off"),
                        ],
                        max_length=16,
                    ),
                ),
                ("detail", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=PLAYER
                    ),
                ),
                (
                    "target",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=PLAYER
                    ),
                ),
                (
                    "room",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="chat_moderation", to="rooms.room"
                    ),
                ),
            ],
            options={
                "db_table": "room_chat_moderation",
                "indexes": [models.Index(fields=["room", "id"], name="idx_chat_moderation_room")],
            },
        ),
    ]
