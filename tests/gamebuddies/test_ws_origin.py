"""Cross-site WebSocket hijacking is closed: foreign origins refused, cookies trusted only from our own pages."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

import gamebuddies.ws_security as ws_security
from gamebuddies.asgi import application
from players import cookies
from rooms.models import Game
from tests.factories import make_room


def _cookie_header(code, token):
    value = cookies.encode({code: token})
    return (b"cookie", f"{settings.PLAYER_COOKIE_NAME}={value}".encode())


async def _open(code, headers):
    ws_security._game_origins_cache = (0.0, frozenset())
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{code}/", headers=headers)
    connected, close_code = await communicator.connect(timeout=3)
    return communicator, connected, close_code


async def _open_with_the_victims_cookie(origin: bytes, host: bytes | None = None):
    """A socket opened from `origin` by a browser holding a seat's cookie: (communicator, connected)."""
    room, seats = await database_sync_to_async(make_room)(players=1)
    headers = [(b"host", host)] if host else []
    headers += [(b"origin", origin), _cookie_header(room.room_code, seats[0].token)]
    communicator, connected, _ = await _open(room.room_code, headers)
    return communicator, connected


@pytest.mark.django_db(transaction=True)
async def test_a_foreign_origin_is_refused_before_any_room_data():
    communicator, connected = await _open_with_the_victims_cookie(b"https://evil.example")
    assert not connected
    assert await communicator.receive_nothing(timeout=0.2)


@pytest.mark.django_db(transaction=True)
async def test_our_own_origin_is_authenticated_by_the_player_cookie():
    room, seats = await database_sync_to_async(make_room)(players=1)
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"origin", b"http://127.0.0.1:8000"),
        _cookie_header(room.room_code, seats[0].token),
    ]
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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", [b"http://127.0.0.1:8666", b"http://localhost:31337", b"https://127.0.0.1"])
async def test_another_port_or_scheme_of_our_host_is_a_foreign_origin(origin):
    # Issue 18 #6: a page on another port (or https on the same host) rode on the victim's cookie.
    communicator, connected = await _open_with_the_victims_cookie(origin, host=b"127.0.0.1:8000")
    assert not connected
    assert await communicator.receive_nothing(timeout=0.2)


@pytest.mark.django_db(transaction=True)
async def test_an_origin_matching_a_forged_host_header_is_refused():
    _, connected = await _open_with_the_victims_cookie(b"http://evil.example", host=b"evil.example")
    assert not connected


def _scope(host, *, scheme="ws", extra=()):
    return {"type": "websocket", "scheme": scheme, "headers": [(b"host", host.encode()), *extra]}


@pytest.mark.parametrize(
    ("origin", "scope", "own"),
    [
        ("http://127.0.0.1:8000", _scope("127.0.0.1:8000"), True),
        ("HTTP://127.0.0.1:8000", _scope("127.0.0.1:8000"), True),
        ("http://127.0.0.1:8001", _scope("127.0.0.1:8000"), False),
        ("http://127.0.0.1", _scope("127.0.0.1:8000"), False),
        ("https://localhost", _scope("localhost", scheme="wss"), True),
        ("https://localhost:443", _scope("localhost", scheme="wss"), True),
        ("http://localhost", _scope("localhost", scheme="wss"), False),
        ("https://localhost", _scope("localhost"), False),
        ("https://[::1]:8443", _scope("[::1]:8443", scheme="wss"), True),
        ("null", _scope("localhost"), False),
        ("http://user@localhost", _scope("localhost"), False),
    ],
)
def test_own_origin_needs_the_same_scheme_host_and_port(origin, scope, own):
    assert ws_security.is_own_origin(origin, scope) is own


def test_behind_a_tls_proxy_the_forwarded_scheme_counts(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = _scope("localhost", extra=[(b"x-forwarded-proto", b"https")])
    assert ws_security.is_own_origin("https://localhost", proxied)
    assert not ws_security.is_own_origin("http://localhost", proxied)


def test_trusted_origins_match_exactly_and_wildcards_keep_scheme_and_port(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://play.example", "https://*.games.example"]
    assert ws_security.is_own_origin("https://play.example")
    assert ws_security.is_own_origin("https://play.example:443")
    assert not ws_security.is_own_origin("http://play.example")
    assert not ws_security.is_own_origin("https://play.example:8443")
    assert ws_security.is_own_origin("https://eu.games.example")
    assert not ws_security.is_own_origin("http://eu.games.example")
    assert not ws_security.is_own_origin("https://eu.games.example:8443")
    assert not ws_security.is_own_origin("https://games.example.evil")
