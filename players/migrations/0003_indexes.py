"""Indexes from the analysis, built CONCURRENTLY on PostgreSQL (hence atomic = False)."""

from django.db import migrations, models

from gamebuddies.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("players", "0002_initial"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='playersession',
            index=models.Index(condition=models.Q(('status', 'active')), fields=['token_hash'], name='idx_player_sessions_token'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='playersession',
            index=models.Index(fields=['player', 'room', 'status'], name='idx_player_sessions_user_room'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='playerstatushistory',
            index=models.Index(fields=['player', '-created_at'], name='idx_player_status_history_user'),
        ),
    ]
