"""player_status_history.player_id loses its own index: idx_player_status_history_user
(player, created_at DESC) leads with it, and every status update wrote both (issue 15).

Dropped CONCURRENTLY on PostgreSQL (hence atomic = False); only the model state changes
otherwise, by an explicit DROP INDEX (an AlterField on SQLite would rebuild the table).
"""

import django.db.models.deletion
from django.db import migrations, models

from gamebuddies.migration_ops import RunSQLByVendor

INDEX, TABLE, COLUMN = "player_status_history_player_id_c7541254", "player_status_history", "player_id"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("players", "0006_player_avatar")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                RunSQLByVendor(
                    forwards={
                        "postgresql": [f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}"],
                        "sqlite": [f"DROP INDEX IF EXISTS {INDEX}"],
                    },
                    backwards={
                        "postgresql": [f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON {TABLE} ({COLUMN})"],
                        "sqlite": [f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} ({COLUMN})"],
                    },
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="playerstatushistory",
                    name="player",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="status_history",
                        to="players.player",
                    ),
                )
            ],
        )
    ]
