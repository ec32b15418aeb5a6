"""The retention sweep's index on ended rooms, built CONCURRENTLY on PostgreSQL (hence atomic = False)."""

from django.db import migrations, models

from gamebuddies.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("rooms", "0006_room_location_agreement")]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="room",
            index=models.Index(
                condition=models.Q(("status__in", ["finished", "abandoned"])),
                fields=["updated_at"],
                name="idx_rooms_ended_updated",
            ),
        ),
    ]
