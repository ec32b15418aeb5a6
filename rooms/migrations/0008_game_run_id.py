# Issue 20: a game run id per game start, on the room and on each game-state version.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0007_retention_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="game_run_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="gamestate",
            name="game_run_id",
            field=models.UUIDField(blank=True, null=True),
        ),
    ]
