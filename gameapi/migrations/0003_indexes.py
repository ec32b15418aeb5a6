"""Indexes from the analysis, built CONCURRENTLY on PostgreSQL (hence atomic = False)."""

from django.db import migrations, models

from gamebuddies.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("gameapi", "0002_initial"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='apikey',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['key_hash'], name='idx_api_keys_hash_active'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='apirequest',
            index=models.Index(fields=['api_key', '-created_at'], name='idx_api_requests_key_created'),
        ),
    ]
