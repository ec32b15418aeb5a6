"""`manage.py load_demo_data` fills the catalog a fresh install shows, and is safe to rerun (issue: foundation)."""

from io import StringIO

import pytest
from django.core.management import call_command

from rooms.game_settings import validate_game_settings
from rooms.models import Game

pytestmark = pytest.mark.django_db


def load_demo_data() -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def test_demo_data_creates_the_two_playable_demo_games_and_one_inactive_external_example():
    load_demo_data()

    quiz = Game.objects.get(slug="quiz")
    assert (quiz.name, quiz.launch_url, quiz.min_players, quiz.max_players) == ("Quick Quiz", "/games/quiz/", 2, 8)
    assert quiz.settings_schema["rounds"] == {"type": "int", "min": 1, "max": 10, "default": 3, "label": "Rounds"}
    assert quiz.is_active and quiz.description

    reaction = Game.objects.get(slug="reaction")
    assert (reaction.name, reaction.launch_url, reaction.min_players, reaction.max_players) == (
        "Reaction Race",
        "/games/reaction/",
        2,
        8,
    )
    assert reaction.settings_schema["rounds"]["default"] == 5
    assert reaction.is_active and reaction.description

    external = Game.objects.exclude(slug__in=["quiz", "reaction"]).get()
    assert external.launch_url.startswith("https://example.com/")
    assert not external.is_active


def test_running_demo_data_twice_changes_nothing_and_creates_no_duplicates():
    load_demo_data()
    first = {game.slug: (game.name, game.launch_url, game.settings_schema) for game in Game.objects.all()}

    output = load_demo_data()

    again = {game.slug: (game.name, game.launch_url, game.settings_schema) for game in Game.objects.all()}
    assert again == first
    assert "0 added" in output


def test_demo_data_restores_an_edited_demo_game_and_leaves_other_games_alone():
    Game.objects.create(slug="custom", name="House Game", launch_url="https://games.example/house")
    load_demo_data()
    Game.objects.filter(slug="quiz").update(name="Renamed", max_players=3, is_active=False)

    load_demo_data()

    quiz = Game.objects.get(slug="quiz")
    assert (quiz.name, quiz.max_players, quiz.is_active) == ("Quick Quiz", 8, True)
    assert Game.objects.get(slug="custom").name == "House Game"


def test_demo_game_defaults_are_valid_settings_for_their_own_schema():
    load_demo_data()
    assert validate_game_settings(Game.objects.get(slug="quiz"), {}) == {"rounds": 3}
    assert validate_game_settings(Game.objects.get(slug="reaction"), {}) == {"rounds": 5}
