"""Staff permissions for keys and webhooks, and the two staff groups of issue 19.

Permissions are normally created after all migrations (post_migrate); the groups need
them now, so they are created here first (idempotent, the same rows post_migrate makes).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ONLY = {
    "rooms": ["room", "roommember", "roomevent", "gamestate", "game"],
    "players": ["player", "playersession", "playerstatushistory"],
    "gameapi": ["apirequest"],
}
GROUPS = {
    # Looks at rooms, players, their history and the request log; kicks, closes, moves the host.
    "Support": {
        "views": VIEW_ONLY,
        "codenames": {"rooms": ["close_room", "transfer_host", "return_to_lobby", "kick_member"]},
        "every_permission_of": {},
    },
    # Everything on keys and webhooks, and the request log to see what the keys do.
    "Integrations": {
        "views": {"gameapi": ["apirequest"]},
        "codenames": {},
        "every_permission_of": {"gameapi": ["apikey", "webhookendpoint", "webhookdelivery", "webhookattempt"]},
    },
}


def _permissions(Permission, spec) -> list:
    wanted = []
    for app_label, models in spec["views"].items():
        wanted += [(app_label, f"view_{model}") for model in models]
    for app_label, codenames in spec["codenames"].items():
        wanted += [(app_label, codename) for codename in codenames]
    found = [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in wanted]
    for app_label, models in spec["every_permission_of"].items():
        found += Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
    return found


def create_groups(apps, schema_editor):
    alias = schema_editor.connection.alias
    for label in ("rooms", "players", "gameapi"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=alias, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, spec in GROUPS.items():
        group, _ = Group.objects.using(alias).get_or_create(name=name)
        group.permissions.add(*_permissions(Permission, spec))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUPS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("gameapi", "0005_webhooks"),
        ("rooms", "0005_admin_permissions"),
        ("players", "0003_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
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
        migrations.RunPython(create_groups, remove_groups),
    ]
