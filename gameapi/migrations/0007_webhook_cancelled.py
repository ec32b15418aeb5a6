"""Webhook deliveries can be cancelled (endpoint switched off, key revoked); endpoints back off on their own."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gameapi", "0006_admin_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="cancel_reason",
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="backoff_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="consecutive_failures",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("delivered", "Delivered"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
    ]
