"""A whole game flow logged at DEBUG leaves no key, token or webhook secret behind (issue: security)."""

import logging

import pytest
from django.test import Client

from gameapi import request_log
from gameapi.models import ApiRequest
from gameapi.webhooks.delivery import deliver_room
from gameapi.webhooks.outbox import invalidate_endpoint_cache
from gameapi.webhooks.services import webhook_endpoint_create
from gamebuddies.actors import Actor
from players.selectors import session_get_active
from rooms import services
from rooms.models import Room
from tests.gameapi.client import ApiClient, make_key
from tests.gameapi.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_request_log_rows_left_over():
    request_log.buffer.discard()
    yield
    request_log.buffer.discard()


def test_a_full_game_flow_at_debug_logs_no_secret(caplog, settings, quiz_game):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.GAME_API_REQUEST_LOG_BACKGROUND = False
    caplog.set_level(logging.DEBUG)
    raw_key, key = make_key()
    api = ApiClient(raw_key)
    with Receiver() as receiver:
        endpoint = webhook_endpoint_create(api_key=key, url=receiver.url)
        invalidate_endpoint_cache()

        created = api.post("/rooms", {"hostName": "Host", "game": "quiz"}).json()
        code, host_token = created["roomCode"], created["host"]["sessionToken"]
        seated = api.post(f"/rooms/{code}/players", {"name": "Guest"}).json()
        api.post("/sessions/validate", {"sessionToken": seated["sessionToken"]})
        api.get("/keys/validate", key="", api_key=raw_key)  # a key in the query string is refused

        visitor = Client()
        assert visitor.post("/rooms/new", {"create-name": "Pager"}).status_code == 302
        assert visitor.get(f"/rooms/{code}/").status_code == 302  # no seat here: sent to the join form

        room = Room.objects.get(room_code=code)
        host = session_get_active(token=host_token)
        services.game_start(room=room.pk, actor=Actor.player(player_id=host.player_id, room_id=room.pk))
        api.post(f"/rooms/{code}/players/{seated['playerId']}/status", {"status": "in_game", "location": "game"})
        api.post(f"/rooms/{code}/game-end", {"gameResult": {"winner": seated["playerId"]}})
        deliver_room(room.pk)
        assert receiver.received, "the flow should have produced webhook deliveries"
    request_log.flush()

    secrets = [raw_key, endpoint.secret, host_token, seated["sessionToken"]]
    logged = caplog.text
    assert "API key" in logged  # the flow was logged, at DEBUG
    for secret in secrets:
        assert secret not in logged and secret[4:24] not in logged
    rows = " ".join(f"{r.method} {r.path} {r.request_id}" for r in ApiRequest.objects.all())
    assert "/sessions/validate" in rows  # the flow's requests were stored...
    # ...but not the refused one with the key in its query: without a valid key it is only counted.
    assert "/keys/validate" not in rows
    for secret in secrets:
        assert secret not in rows and secret[4:24] not in rows
