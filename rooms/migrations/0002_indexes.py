"""Indexes from the analysis, built CONCURRENTLY on PostgreSQL (hence atomic = False)."""

from django.db import migrations, models

from gamebuddies.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rooms", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='gamestate',
            index=models.Index(fields=['room', 'game', '-created_at'], name='idx_game_states_room_game'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='roomevent',
            index=models.Index(fields=['room', 'room_version'], name='idx_room_events_room_version'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='roommember',
            index=models.Index(fields=['room', 'is_connected'], name='idx_room_members_room_conn'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='roommember',
            index=models.Index(fields=['player', 'current_location'], name='idx_room_members_user_loc'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='roommember',
            index=models.Index(condition=models.Q(('socket_id__isnull', False)), fields=['socket_id'], name='idx_room_members_socket'),
        ),
    ]
