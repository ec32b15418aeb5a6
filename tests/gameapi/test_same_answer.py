"""Answers do not tell whether a token or key exists (issue 18, info items).

Before: a game-bound key validating another game's session token got 403 FORBIDDEN where an
unknown token got 200 `valid: false`; a revoked key and a rotated-out key got different
messages. Now each pair gets the very same answer.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from gameapi.models import ApiKey
from gameapi.services import api_key_revoke, api_key_rotate
from rooms.models import Game
from tests.factories import make_room

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def _answer(response) -> tuple:
    body = response.json()
    body.pop("requestId", None), body.pop("timestamp", None)
    return response.status_code, body


def test_a_bound_key_gets_the_unknown_token_answer_for_another_games_token(quiz_game):
    Game.objects.create(slug="draw", name="Draw", launch_url="https://games.example/draw")
    room, seats = make_room(players=2, game_slug="draw")
    raw, _ = make_key(game_slug="quiz")
    client = ApiClient(raw)
    foreign = client.post("/sessions/validate", {"sessionToken": seats[1].token})
    unknown = client.post("/sessions/validate", {"sessionToken": "gbs_" + "x" * 43})
    assert foreign.status_code == 200 and foreign.json()["valid"] is False
    assert _answer(foreign) == _answer(unknown)
    # Its own game's tokens still validate.
    own_room, own_seats = make_room(players=2, game_slug="quiz")
    assert client.post("/sessions/validate", {"sessionToken": own_seats[1].token}).json()["valid"] is True


def test_unknown_revoked_expired_and_rotated_out_keys_get_one_answer():
    unknown = "gb_" + "0" * 64
    revoked, revoked_key = make_key(service="revoked")
    api_key_revoke(api_key=revoked_key)
    expired, expired_key = make_key(service="expired")
    ApiKey.objects.filter(pk=expired_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    rotated, rotated_key = make_key(service="rotated")
    api_key_rotate(api_key=rotated_key, grace_days=0)
    ApiKey.objects.filter(pk=rotated_key.pk).update(grace_until=timezone.now() - timedelta(seconds=1))

    answers = set()
    for raw in (unknown, revoked, expired, rotated):
        response = ApiClient(raw).get("/keys/validate")
        assert_envelope(response, "INVALID_API_KEY", 401)
        answers.add(_answer(response)[1]["error"])
    assert len(answers) == 1
