"""Staff permissions for keys and webhooks (checked by the admin and the services)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("gameapi", "0005_webhooks"),
        ("rooms", "0005_admin_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="apikey",
            options={
                "permissions": [
                    ("issue_apikey", "Can issue API keys"),
                    ("rotate_apikey", "Can rotate API keys"),
                    ("revoke_apikey", "Can revoke API keys"),
                ],
                "verbose_name": "API key",
            },
        ),
        migrations.AlterModelOptions(
            name="webhookendpoint",
            options={"permissions": [("manage_webhooks", "Can add, edit and rotate webhook endpoints and redeliver")]},
        ),
    ]
