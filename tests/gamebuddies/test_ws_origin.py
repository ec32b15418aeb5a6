"""Cross-site WebSocket hijacking is closed: foreign origins refused, cookies trusted only from our own pages."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core import signing

import gamebuddies.ws_security as ws_security
from gamebuddies.asgi import application
from rooms.models import Game
from tests.factories import make_room


def _cookie_header(code, token):
    value = signing.dumps({code: token}, salt="gamebuddies.player-cookie", compress=True)
    return (b"cookie", f"{settings.PLAYER_COOKIE_NAME}={value}".encode())


async def _open(code, headers):
    ws_security._game_origins_cache = (0.0, frozenset())
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{code}/", headers=headers)
    connected, close_code = await communicator.connect(timeout=3)
    return communicator, connected, close_code


@pytest.mark.django_db(transaction=True)
async def test_a_foreign_origin_is_refused_before_any_room_data():
    room, seats = await database_sync_to_async(make_room)(players=1)
    headers = [(b"origin", b"https://evil.example"), _cookie_header(room.room_code, seats[0].token)]
    communicator, connected, _ = await _open(room.room_code, headers)
    assert not connected
    assert await communicator.receive_nothing(timeout=0.2)


@pytest.mark.django_db(transaction=True)
async def test_our_own_origin_is_authenticated_by_the_player_cookie():
    room, seats = await database_sync_to_async(make_room)(players=1)
    headers = [(b"origin", b"http://127.0.0.1:8000"), _cookie_header(room.room_code, seats[0].token)]
    communicator, connected, _ = await _open(room.room_code, headers)
    assert connected
    message = await communicator.receive_json_from(timeout=3)
    assert message["type"] == "roomStateUpdate" and message["roomCode"] == room.room_code
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_catalog_game_origin_may_connect_but_its_cookie_is_not_trusted():
    await database_sync_to_async(Game.objects.create)(
        slug="ext", name="External", launch_url="https://games.example/play", min_players=1, max_players=4
    )
    room, seats = await database_sync_to_async(make_room)(players=1)
    headers = [(b"origin", b"https://games.example"), _cookie_header(room.room_code, seats[0].token)]
    communicator, connected, _ = await _open(room.room_code, headers)
    assert connected
    assert await communicator.receive_nothing(timeout=0.3)  # no data until a token is presented
    await communicator.send_json_to({"type": "auth", "token": seats[0].token})
    types = [(await communicator.receive_json_from(timeout=3))["type"] for _ in range(2)]
    assert "roomStateUpdate" in types
    await communicator.disconnect()
