"""The retention sweep's index on request-log age, built CONCURRENTLY on PostgreSQL (hence atomic = False)."""

from django.db import migrations, models

from gamebuddies.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("gameapi", "0007_webhook_cancelled")]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="apirequest",
            index=models.Index(fields=["created_at"], name="idx_api_requests_created"),
        ),
    ]
