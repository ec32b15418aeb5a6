"""A Game API body nested 30,000 deep is a 400 VALIDATION_ERROR, never a 500 RecursionError (issue 18 #8)."""

import io
import logging

import pytest

from gameapi.parsers import DepthLimitedJSONParser
from gamebuddies.errors import ValidationError
from rooms.models import Room
from tests.gameapi.client import assert_envelope

DEEP = 30_000


def test_the_api_parser_refuses_deep_bodies_before_parsing():
    deep = b'{"settings": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    with pytest.raises(ValidationError) as refused:
        DepthLimitedJSONParser().parse(io.BytesIO(deep), "application/json", {})
    assert refused.value.field == "body"
    assert DepthLimitedJSONParser().parse(io.BytesIO(b'{"a": [[1]]}'), "application/json", {}) == {"a": [[1]]}


def test_the_api_uses_the_depth_limited_parser():
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_PARSER_CLASSES == [DepthLimitedJSONParser]


@pytest.mark.django_db
def test_api_settings_nested_30000_deep_is_a_400_and_nothing_is_logged_as_an_error(api, quiz_game, caplog):
    body = '{"game": "quiz", "hostName": "Host", "settings": {"rounds": ' + "[" * DEEP + "]" * DEEP + "}}"
    rooms = Room.objects.count()
    with caplog.at_level(logging.WARNING):
        response = api.post("/rooms", raw=body.encode())
    refused = assert_envelope(response, "VALIDATION_ERROR", 400)
    assert refused["field"] == "body" and "nested too deeply" in refused["error"]
    assert Room.objects.count() == rooms
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_api_nesting_under_the_parse_limit_still_meets_the_stored_json_limit(api, quiz_game):
    room = api.post("/rooms", {"game": "quiz", "hostName": "Host"}).json()
    state = {"a": 1}
    for _ in range(40):
        state = {"a": state}
    response = api.put(f"/rooms/{room['roomCode']}/game-state", {"game": "quiz", "state": state})
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "state"
