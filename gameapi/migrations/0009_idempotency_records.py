"""Durable Idempotency-Key records, written in the same transaction as the change they answer (issue 16)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gameapi", "0008_retention_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key_hash", models.CharField(help_text="SHA-256 of the client's Idempotency-Key.", max_length=64)),
                (
                    "fingerprint",
                    models.CharField(help_text="SHA-256 of method, path and canonical body.", max_length=64),
                ),
                ("status_code", models.PositiveSmallIntegerField()),
                ("response", models.BinaryField(help_text="The sealed answer (status, content type, body).")),
                ("event_id", models.BigIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "api_key",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="gameapi.apikey",
                    ),
                ),
            ],
            options={
                "verbose_name": "idempotency record",
                "db_table": "api_idempotency_records",
                "indexes": [models.Index(fields=["created_at"], name="idx_idempotency_created")],
                "constraints": [
                    models.UniqueConstraint(fields=("api_key", "key_hash"), name="uniq_idempotency_record_key")
                ],
            },
        ),
    ]
