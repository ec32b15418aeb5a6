"""Staff permissions for the room actions in the admin (checked by the admin and the services)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0004_game_launch_url_may_be_a_path"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="room",
            options={
                "permissions": [
                    ("close_room", "Can close rooms"),
                    ("transfer_host", "Can transfer the host role"),
                    ("return_to_lobby", "Can return everyone to the lobby"),
                ]
            },
        ),
        migrations.AlterModelOptions(
            name="roommember",
            options={"permissions": [("kick_member", "Can kick players")]},
        ),
    ]
