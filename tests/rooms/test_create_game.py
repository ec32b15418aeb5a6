"""manage.py create_game (issue 20): a game developer registers a game from the command line,
with the admin's rules: the launch URL rule and the settings schema's types."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rooms.game_settings import validate_game_settings
from rooms.models import Game
from rooms.services.catalog import game_create

pytestmark = pytest.mark.django_db

SCHEMA = {
    "rounds": {"type": "int", "min": 1, "max": 10, "default": 5, "label": "Rounds"},
    "hard": {"type": "bool", "default": False, "label": "Hard mode"},
    "deck": {"type": "choice", "choices": ["animals", "cities"], "default": "animals"},
    "motto": {"type": "str", "max_length": 30, "default": ""},
}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_game_lists_a_playable_game_with_every_settings_type_and_says_what_comes_next():
    out = run(
        "create_game",
        "my-game",
        "--name",
        "My Game",
        "--launch-url",
        "https://my-game.example/play",
        "--min-players",
        "2",
        "--max-players",
        "6",
        "--settings-schema",
        json.dumps(SCHEMA),
    )
    game = Game.objects.get(slug="my-game")
    assert (game.name, game.launch_url, game.min_players, game.max_players, game.is_active) == (
        "My Game",
        "https://my-game.example/play",
        2,
        6,
        True,
    )
    assert validate_game_settings(game, {}) == {"rounds": 5, "hard": False, "deck": "animals", "motto": ""}
    assert "create_api_key --service my-game --game my-game" in out


def test_create_game_refuses_an_existing_slug_unless_told_to_update():
    run("create_game", "my-game", "--name", "My Game", "--launch-url", "https://a.example/")
    with pytest.raises(CommandError, match="--update"):
        run("create_game", "my-game", "--name", "Other", "--launch-url", "https://b.example/")
    run("create_game", "my-game", "--name", "Other", "--launch-url", "https://b.example/", "--update", "--inactive")
    game = Game.objects.get(slug="my-game")
    assert (game.name, game.launch_url, game.is_active) == ("Other", "https://b.example/", False)


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ({"rounds": {"type": "number", "default": 1}}, "settingsSchema.rounds.type"),
        ({"rounds": {"type": "int", "min": 5, "max": 1, "default": 3}}, "settingsSchema.rounds.min"),
        ({"rounds": {"type": "int", "min": 1, "max": 3, "default": 9}}, "settingsSchema.rounds.default"),
        ({"rounds": {"type": "int", "min": 1}}, "settingsSchema.rounds.default"),
        ({"deck": {"type": "choice", "choices": [], "default": "a"}}, "settingsSchema.deck.choices"),
        ({"deck": {"type": "choice", "choices": [1, 2], "default": 1}}, "settingsSchema.deck.choices"),
        ({"hard": {"type": "bool", "default": "yes"}}, "settingsSchema.hard.default"),
        ({"hard": {"type": "bool", "default": True, "max": 3}}, "settingsSchema.hard.max"),
        ({"bad name": {"type": "bool", "default": True}}, "settingsSchema.bad name"),
        (["rounds"], "settingsSchema"),
    ],
)
def test_a_settings_schema_the_lobby_could_not_render_or_check_is_refused_naming_the_field(schema, field):
    from gamebuddies.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        game_create(slug="g", name="G", launch_url="https://g.example/", settings_schema=schema)
    assert caught.value.field == field
    assert not Game.objects.filter(slug="g").exists()


def test_bad_json_and_player_counts_are_refused_with_a_message_saying_why():
    with pytest.raises(CommandError, match="not JSON"):
        run("create_game", "g", "--name", "G", "--launch-url", "https://g.example/", "--settings-schema", "{rounds")
    with pytest.raises(CommandError, match="minPlayers"):
        run(
            "create_game",
            "g",
            "--name",
            "G",
            "--launch-url",
            "https://g.example/",
            "--min-players",
            "5",
            "--max-players",
            "2",
        )
    with pytest.raises(CommandError, match="slug"):
        run("create_game", "no spaces", "--name", "G", "--launch-url", "https://g.example/")


# -- the launch URL rule: one place (rooms.models.validate_launch_url) for the admin, create_game and the demo data
@pytest.mark.parametrize("url", ["https://my-game.example/play", "/games/my-game/", "https://127.0.0.1:9000/"])
def test_https_urls_and_paths_on_this_site_are_accepted_everywhere(settings, url):
    settings.PRODUCTION, settings.DEBUG, settings.EMBEDDED_WORKER = True, False, False
    assert game_create(slug="g", name="G", launch_url=url).game.launch_url == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/play", "http://localhost:5173/", "http://[::1]:8080/"])
def test_plain_http_on_this_machine_is_accepted_only_while_developing(settings, url):
    from gamebuddies.errors import ValidationError

    settings.PRODUCTION, settings.DEBUG, settings.EMBEDDED_WORKER = False, False, True  # the embedded default
    assert game_create(slug="g", name="G", launch_url=url).created
    settings.EMBEDDED_WORKER, settings.DEBUG = False, True  # DJANGO_DEBUG with PostgreSQL + Redis
    assert not game_create(slug="g", name="G", launch_url=url, update=True).created
    settings.DEBUG = False  # neither: a deployment
    with pytest.raises(ValidationError, match="https://") as caught:
        game_create(slug="g", name="G", launch_url=url, update=True)
    assert caught.value.field == "launchUrl"
    settings.PRODUCTION, settings.DEBUG, settings.EMBEDDED_WORKER = True, True, True  # never in production
    with pytest.raises(ValidationError, match="https://"):
        game_create(slug="g", name="G", launch_url=url, update=True)


@pytest.mark.parametrize(
    "url", ["http://my-game.example/", "http://192.168.1.5/", "//evil.example/", "ftp://g.example/"]
)
def test_plain_http_elsewhere_and_other_schemes_are_refused_even_while_developing(settings, url):
    from gamebuddies.errors import ValidationError

    settings.PRODUCTION, settings.DEBUG, settings.EMBEDDED_WORKER = False, True, True
    with pytest.raises(ValidationError) as caught:
        game_create(slug="g", name="G", launch_url=url)
    assert caught.value.field == "launchUrl"


def test_the_admin_form_applies_the_same_launch_url_rule(settings, admin_client):
    settings.PRODUCTION, settings.DEBUG, settings.EMBEDDED_WORKER = False, False, False
    response = admin_client.post(
        "/admin/rooms/game/add/",
        {
            "slug": "g",
            "name": "G",
            "launch_url": "http://127.0.0.1:9000/",
            "min_players": 1,
            "max_players": 8,
            "settings_schema": "{}",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and b"https://" in response.content
    assert not Game.objects.filter(slug="g").exists()


# -- step 1 of the guide, as a new developer meets it ------------------------------------
def test_create_api_key_for_a_game_not_yet_in_the_catalog_says_how_to_register_it():
    with pytest.raises(CommandError) as caught:
        run("create_api_key", "--service", "my-game", "--game", "my-game")
    assert "manage.py create_game my-game" in str(caught.value)


def test_load_demo_data_says_how_many_games_are_playable_and_which_is_only_an_example():
    out = run("load_demo_data")
    assert out.startswith("Demo games: 2 playable (Quick Quiz, Reaction Race), 1 inactive catalog example")
    assert "3 added" in out
    assert "0 added, 3 refreshed" in run("load_demo_data")
