"""Redis away (a throwaway redis-server the test stops): writes keep working, limits fall back to
this process, cache failures are misses, nothing answers 500; all of it comes back by itself.

In-process (Django's test client); tests/faults/test_live_faults.py does the same across
real worker processes.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.test import Client

from gamebuddies import metrics
from gamebuddies.channel_layer import ResilientRedisPubSubChannelLayer
from gamebuddies.outages import REDIS_ERRORS
from rooms.models import Room
from tests.factories import make_room
from tests.gameapi.client import ApiClient, assert_envelope, make_key

from .redis_server import ThrowawayRedis

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture(scope="module")
def redis_server():
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(redis_server, settings):
    """The app's cache and channel layer on the throwaway server (running; tests stop it)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_server.url}}
    settings.CHANNEL_LAYERS = {
        "default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [redis_server.url], "prefix": "t"}}
    }
    yield redis_server
    if redis_server.process is None:
        redis_server.start()
    _wait_for_cache()


@pytest.fixture
def redis_away(redis_cache):
    redis_cache.stop()
    return redis_cache


def _fallback_count() -> float:
    return metrics.fallback_limiter._value.get()


def test_room_creation_page_works_while_redis_is_down_and_its_limit_counts_in_process(redis_away, settings, caplog):
    settings.ROOM_CREATE_RATE = "2/m"
    client = Client(REMOTE_ADDR="198.51.100.30")
    before = _fallback_count()
    with caplog.at_level(logging.WARNING, "gamebuddies.outages"):
        statuses = [client.post("/rooms/new", {"create-name": f"Host {n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert Room.objects.count() == 2
    assert _fallback_count() - before == 3
    # Logged once for the outage, not once per request.
    assert caplog.text.count("Shared rate limits (Redis) unavailable") == 1


def test_code_guessing_limit_holds_on_the_process_counter_while_redis_is_down(redis_away, settings):
    settings.ROOM_CODE_GUESS_RATE = "3/m"
    client = Client(REMOTE_ADDR="198.51.100.31")
    statuses = [client.get(f"/r/ZZZZZ{n}").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_game_api_status_update_works_while_redis_is_down(redis_cache):
    room, seats = make_room(players=2)
    raw, _ = make_key()
    redis_cache.stop()
    response = ApiClient(raw).post(
        f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status", {"status": "connected", "metadata": {"n": 1}}
    )
    assert response.status_code == 200, response.content
    assert response.json()["roomVersion"] == room.version + 1


def test_idempotency_key_while_redis_is_down_applies_once_and_its_retries_replay_from_postgresql(redis_cache):
    room, seats = make_room(players=2)
    raw, _ = make_key()
    redis_cache.stop()
    api = ApiClient(raw)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    body = {"status": "connected", "metadata": {"n": 1}}
    headers = {"Idempotency-Key": "fault-1"}
    first = api.post(path, body, headers=headers)
    assert first.status_code == 200, first.content  # the durable record keeps the promise
    assert "Idempotent-Replayed" not in first
    retry = api.post(path, body, headers=headers)
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert_envelope(api.post(path, {**body, "metadata": {"n": 2}}, headers=headers), "IDEMPOTENCY_KEY_REUSED", 422)
    redis_cache.start()
    _wait_for_cache()
    after = api.post(path, body, headers=headers)
    assert after.status_code == 200 and after["Idempotent-Replayed"] == "true"
    assert Room.objects.get(pk=room.pk).version == room.version + 1


def test_cache_misses_and_skips_writes_while_redis_is_down_and_recovers_without_restart(redis_away):
    assert cache.get("k", "default") == "default"
    cache.set("k", 1)  # skipped, not raised
    assert cache.get_many(["k"]) == {}
    with pytest.raises(REDIS_ERRORS):  # coordination (limits, idempotency claims) must see the outage
        cache.add("k", 1)
    redis_away.start()
    _wait_for_cache()
    cache.set("k", 2)
    assert cache.get("k") == 2


def _wait_for_cache(seconds: float = 5.0) -> None:
    """The cache tries Redis again at most a second after a failure (gamebuddies/cache.py)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            cache.add("gamebuddies:probe", 1, 1)
            return
        except REDIS_ERRORS:
            time.sleep(0.1)
    raise AssertionError("cache did not come back")


async def test_channel_layer_keeps_group_membership_across_a_redis_restart_and_loses_no_publish(redis_server):
    hosts = {"hosts": [redis_server.url], "prefix": "restart"}
    subscriber, publisher = ResilientRedisPubSubChannelLayer(**hosts), ResilientRedisPubSubChannelLayer(**hosts)
    channel = await subscriber.new_channel()
    await subscriber.group_add("room", channel)
    received: list[int] = []

    async def read():
        while True:
            received.append((await subscriber.receive(channel))["n"])

    reader = asyncio.create_task(read())
    try:
        await publisher.group_send("room", {"type": "t", "n": 0})
        await asyncio.sleep(0.2)
        redis_server.stop()
        await asyncio.sleep(1.5)
        redis_server.start()
        # The first publish after the restart goes out on a fresh connection (no error), and
        # the subscriber is back in its group within a few seconds, without a new group_add.
        for n in range(1, 60):
            await publisher.group_send("room", {"type": "t", "n": n})
            await asyncio.sleep(0.1)
            if len(received) > 1:
                break
        assert received[0] == 0 and len(received) > 1
    finally:
        reader.cancel()
        await subscriber.flush()
        await publisher.flush()


def test_with_redis_the_default_channel_layer_is_the_one_that_reconnects():
    assert isinstance(get_channel_layer(), ResilientRedisPubSubChannelLayer)


async def test_socket_opened_while_redis_is_down_gets_the_503_envelope_and_4503_so_it_reconnects(redis_away):
    from channels.testing import WebsocketCommunicator

    from gamebuddies.asgi import application

    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    socket = WebsocketCommunicator(application, "/ws/rooms/ABCDEF/", headers=headers)
    connected, _ = await socket.connect()
    assert connected
    message = await socket.receive_json_from()
    assert (message["type"], message["code"], message["retryable"]) == ("error", "SERVICE_UNAVAILABLE", True)
    assert (await socket.receive_output())["code"] == 4503


async def test_broadcasts_failing_through_an_outage_are_logged_once_and_each_counted(redis_away, caplog):
    from gamebuddies import outages
    from rooms.broadcast import broadcaster

    def failed() -> float:
        return metrics.broadcasts.labels("failed")._value.get()

    outages.broadcasts.recovered()  # a clean start, whatever earlier tests left
    before = failed()
    with caplog.at_level(logging.WARNING):
        tickets = [
            broadcaster.publish_committed(group="room.outage", room_id=1, version=n, payload_json="{}")
            for n in range(1, 6)
        ]
        await broadcaster.drain()
        assert [await t.wait_async(1) for t in tickets] == [False] * 5
        assert failed() - before == 5
        assert caplog.text.count("Room broadcasts (channel layer) unavailable") == 1
        assert "Traceback" not in caplog.text
        redis_away.start()
        _wait_for_cache()
        for n in range(6, 8):
            broadcaster.publish_committed(group="room.outage", room_id=1, version=n, payload_json="{}")
            await broadcaster.drain()
    assert caplog.text.count("Room broadcasts (channel layer) is back") == 1
    await get_channel_layer().flush()


def test_a_key_revoked_while_redis_is_down_is_saved_refused_at_once_and_its_cached_copies_go_when_redis_is_back(
    redis_cache, caplog
):
    from gameapi import key_cache
    from gameapi.keys import hash_key

    raw, key = make_key()
    api = ApiClient(raw)
    assert api.get("/keys/validate").status_code == 200
    digest = hash_key(raw)
    cached, generation = key_cache.key_cache_key(digest), key_cache.key_generation_key(key.pk)
    cache.set(cached, key, 60)  # a copy cached before the outage, as authentication leaves it
    before = cache.get(generation)
    deferred = metrics.key_invalidations_deferred._value.get()
    key_cache.invalidations.recovered()  # a clean start, whatever earlier tests left

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, "gamebuddies.outages"):
        key.is_active = False
        key.save()  # answered 503 before: the invalidation needed Redis
        key.service_name = "renamed"
        key.save()
    assert caplog.text.count("API key cache invalidation (Redis) unavailable") == 1
    assert metrics.key_invalidations_deferred._value.get() - deferred == 2
    # Meanwhile every request reads the key from PostgreSQL: refused at once.
    assert_envelope(api.get("/keys/validate"), "INVALID_API_KEY", 401)

    redis_cache.start()
    _wait_for_cache()
    # The deferred invalidation reaches Redis by itself: no stale copy is believed after the outage.
    deadline = time.monotonic() + 5
    while key_cache.flush_pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cache.get(cached) is None
    assert cache.get(generation) not in (None, before)
    assert_envelope(api.get("/keys/validate"), "INVALID_API_KEY", 401)
