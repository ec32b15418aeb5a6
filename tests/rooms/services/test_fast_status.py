"""The PostgreSQL fast path for status updates: round trips, races, conflicts, fallbacks.

Run on real PostgreSQL and Redis, on this test's event loop (rooms/services/fast_status.py).
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json

import pytest
from channels.layers import get_channel_layer
from django.core.cache import cache
from psycopg import AsyncConnection, AsyncPipeline
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline as RedisPipeline

from gameapi import request_log
from gameapi.models import IdempotencyRecord
from gamebuddies import pg
from gamebuddies.actors import Actor
from gamebuddies.errors import PlayerNotFoundError, RoomNotFoundError, StateConflictError
from players.models import PlayerStatusHistory
from rooms.broadcast import broadcaster
from rooms.models import Room, RoomEvent, RoomMember
from rooms.services import fast_status
from tests.factories import make_room
from tests.gameapi.client import make_key
from tests.gameapi.lean_client import asgi_request, settle

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True)
def _no_request_log_rows(settings):
    # Rows of API requests made here are not this module's subject; keep them out of the database.
    settings.GAME_API_REQUEST_LOG_BACKGROUND = False
    request_log.buffer.discard()
    yield
    request_log.buffer.discard()


GAME_SERVER = Actor.api_key(api_key_id=1, game_slug=None, label="test")


class RoundTrips:
    """Counts waits on PostgreSQL and Redis: one per statement outside a pipeline, one per pipeline."""

    def __init__(self, monkeypatch):
        self.postgres = 0
        self.redis: collections.Counter = collections.Counter()
        execute, pipeline_exit = AsyncConnection.execute, AsyncPipeline.__aexit__
        command, redis_pipeline = Redis.execute_command, RedisPipeline.execute

        async def counted_execute(conn, *args, **kwargs):
            if conn._pipeline is None:
                self.postgres += 1
            return await execute(conn, *args, **kwargs)

        async def counted_pipeline_exit(pipeline, *args):
            self.postgres += 1
            return await pipeline_exit(pipeline, *args)

        async def counted_command(client, *args, **kwargs):
            if not isinstance(client, RedisPipeline):
                self.redis[args[0]] += 1
            return await command(client, *args, **kwargs)

        async def counted_redis_pipeline(pipe, *args, **kwargs):
            self.redis["PIPELINE"] += 1
            return await redis_pipeline(pipe, *args, **kwargs)

        monkeypatch.setattr(AsyncConnection, "execute", counted_execute)
        monkeypatch.setattr(AsyncPipeline, "__aexit__", counted_pipeline_exit)
        monkeypatch.setattr(Redis, "execute_command", counted_command)
        monkeypatch.setattr(RedisPipeline, "execute", counted_redis_pipeline)

    def reset(self):
        self.postgres = 0
        self.redis.clear()


async def test_a_status_update_over_the_api_costs_two_postgres_and_two_redis_round_trips(settings, monkeypatch):
    settings.GAMEAPI_LEAN_PATH = True
    raw_key, _ = await pg.run_orm(make_key, rate_limits={"status": "1000/m"})
    room, seats = await pg.run_orm(make_room, players=8, in_game=True)
    path = f"/api/v2/rooms/{room.room_code}/players/{seats[3].player.pk}/status"
    layer = get_channel_layer()
    socket = await layer.new_channel()
    await layer.group_add(room.group_name, socket)
    trips = RoundTrips(monkeypatch)
    try:
        # The first request loads the key and the webhook endpoint list; measure the steady state.
        await asgi_request("POST", path, body=b'{"status": "connected"}', headers={"X-API-Key": raw_key})
        await broadcaster.drain()
        await asyncio.wait_for(layer.receive(socket), 2)
        for n in range(3):
            trips.reset()
            body = f'{{"status": "in_game", "location": "game", "metadata": {{"n": {n}}}}}'.encode()
            response = await asgi_request("POST", path, body=body, headers={"X-API-Key": raw_key})
            assert response.status == 200, response.content
            await broadcaster.drain()
            assert trips.postgres == 2
            # The guards (script); then one pipeline: the dedup slot freed, the snapshot's cache
            # entry and the publish.
            assert trips.redis == {"EVALSHA": 1, "PIPELINE": 1}
            # The pipeline did write the snapshot's cache entry and publish it to the room's group,
            # under the acknowledged version.
            version = response.json()["roomVersion"]
            cached = await pg.run_orm(cache.get, f"room-state:{room.pk}")
            assert cached[0] == version
            published = await asyncio.wait_for(layer.receive(socket), 2)
            assert published["version"] == version and json.loads(published["text"])["version"] == version
    finally:
        await layer.group_discard(room.group_name, socket)
        await settle()


async def test_a_status_update_that_waits_for_its_broadcast_publishes_it_before_answering(settings, monkeypatch):
    settings.GAMEAPI_LEAN_PATH = True
    raw_key, _ = await pg.run_orm(make_key, rate_limits={"status": "1000/m"})
    room, seats = await pg.run_orm(make_room, players=2, in_game=True)
    path = f"/api/v2/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    layer = get_channel_layer()
    socket = await layer.new_channel()
    await layer.group_add(room.group_name, socket)
    try:
        body = b'{"status": "in_game", "location": "game", "waitForBroadcast": true}'
        response = await asgi_request("POST", path, body=body, headers={"X-API-Key": raw_key})
        assert response.status == 200, response.content
        assert response.json()["broadcast"] == {"broadcasted": True}
        published = await asyncio.wait_for(layer.receive(socket), 2)
        assert published["version"] == response.json()["roomVersion"]
    finally:
        await layer.group_discard(room.group_name, socket)
        await settle()


async def test_a_status_update_with_an_idempotency_key_costs_the_same_round_trips_and_records_it_durably(
    settings, monkeypatch
):
    settings.GAMEAPI_LEAN_PATH = True
    raw_key, key = await pg.run_orm(make_key, rate_limits={"status": "1000/m"})
    room, seats = await pg.run_orm(make_room, players=8, in_game=True)
    path = f"/api/v2/rooms/{room.room_code}/players/{seats[3].player.pk}/status"
    trips = RoundTrips(monkeypatch)
    try:
        await asgi_request("POST", path, body=b'{"status": "connected"}', headers={"X-API-Key": raw_key})
        await broadcaster.drain()
        for n in range(3):
            trips.reset()
            body = f'{{"status": "in_game", "location": "game", "metadata": {{"n": {n}}}}}'.encode()
            headers = {"X-API-Key": raw_key, "Idempotency-Key": f"trips-{n}"}
            response = await asgi_request("POST", path, body=body, headers=headers)
            assert response.status == 200, response.content
            await broadcaster.drain()
            # The record's lookup rides with the read, its INSERT is a part of the write statement.
            assert trips.postgres == 2
            assert trips.redis == {"EVALSHA": 1, "PIPELINE": 1}
        records = await pg.run_orm(
            lambda: list(IdempotencyRecord.objects.filter(api_key=key).values_list("event_id", flat=True))
        )
        events = await pg.run_orm(
            lambda: set(RoomEvent.objects.filter(room=room, pk__in=records).values_list("pk", flat=True))
        )
        assert len(records) == 3 and events == set(records)

        # Redis lost the answer (a restart): the retry finds the record in the read's round trip
        # and replays the original answer, without writing anything.
        await pg.run_orm(cache.delete, f"gameapi:idem:{key.pk}:{hashlib.sha256(b'trips-2').hexdigest()}")
        trips.reset()
        replay = await asgi_request("POST", path, body=body, headers=headers)
        assert replay.status == 200 and replay["Idempotent-Replayed"] == "true"
        assert replay.json() == response.json()
        assert trips.postgres == 1
    finally:
        await settle()
    assert await pg.run_orm(lambda: Room.objects.get(pk=room.pk).version) == room.version + 4


async def test_concurrent_updates_to_one_room_all_land_once_in_version_order():
    room, seats = await pg.run_orm(make_room, players=8)
    start = room.version
    updates = [
        fast_status.update_player_status(
            room_code=room.room_code,
            player_id=seats[n % 8].player.pk,
            status="connected",
            metadata={"n": n},
            actor=GAME_SERVER,
        )
        for n in range(40)
    ]
    try:
        results = await asyncio.gather(*updates)
    finally:
        await settle()
    versions = sorted(r.version for r in results)
    assert versions == list(range(start + 1, start + 41))

    def stored():
        events = list(
            RoomEvent.objects.filter(room=room, event_type="player_status_changed").values_list(
                "room_version", flat=True
            )
        )
        return (
            Room.objects.get(pk=room.pk).version,
            sorted(events),
            PlayerStatusHistory.objects.filter(room=room).count(),
            {m.player_id: m.game_data["n"] % 8 for m in RoomMember.objects.filter(room=room)},
        )

    version, events, history, last_n = await pg.run_orm(stored)
    assert version == start + 40
    assert events == versions
    assert history == 40
    # Each member kept its own last metadata: no update was lost or applied to the wrong seat.
    assert last_n == {seats[i].player.pk: i for i in range(8)}
    # Each result's snapshot was the state at its version: its own change is in it.
    for result in results:
        mine = next(p for p in result.state["players"] if p["id"] == str(result.member.player_id))
        assert mine["version"] == result.member.version


async def test_a_race_lost_on_the_optimistic_path_is_retried_and_counted(monkeypatch):
    room, seats = await pg.run_orm(make_room, players=2)
    real_plan = fast_status._plan
    raced = []

    async def plan_then_someone_else_writes(conn, request, room_, members):
        plan = await real_plan(conn, request, room_, members)
        if not raced:  # between our read and our write, another change commits
            raced.append(True)
            await fast_status.update_player_status(
                room_code=room.room_code, player_id=seats[0].player.pk, status="connected", actor=GAME_SERVER
            )
        return plan

    monkeypatch.setattr(fast_status, "_plan", plan_then_someone_else_writes)
    try:
        result = await fast_status.update_player_status(
            room_code=room.room_code, player_id=seats[1].player.pk, status="lobby", actor=GAME_SERVER
        )
    finally:
        await settle()
    assert result.retries == 1
    assert result.version == room.version + 2
    assert await pg.run_orm(lambda: PlayerStatusHistory.objects.filter(room=room).count()) == 2


async def test_a_lost_race_is_retried_on_the_connection_the_request_already_holds(monkeypatch):
    # Handing the connection back to the pool between attempts would queue the retry behind
    # every waiting request: the slowest answers under load were these.
    room, seats = await pg.run_orm(make_room, players=2)
    real_connection = pg.connection
    taken = []

    def counting_connection(pool):
        taken.append(pool)
        return real_connection(pool)

    lost = []

    async def lose_once(conn, request, retries):
        if not lost:
            lost.append(conn)
            raise fast_status._Retry()
        assert conn is lost[0]
        return await real_optimistic(conn, request, retries)

    real_optimistic = fast_status._update_optimistic
    monkeypatch.setattr(fast_status.pg, "connection", counting_connection)
    monkeypatch.setattr(fast_status, "_update_optimistic", lose_once)
    try:
        result = await fast_status.update_player_status(
            room_code=room.room_code, player_id=seats[1].player.pk, status="lobby", actor=GAME_SERVER
        )
    finally:
        await settle()
    assert len(taken) == 1
    assert result.retries == 1
    assert result.version == room.version + 1


async def test_the_locked_path_takes_over_after_repeated_lost_races(monkeypatch):
    room, seats = await pg.run_orm(make_room, players=2)
    locked = []
    real_locked = fast_status._update_locked

    async def spy(conn, request, retries):
        locked.append(retries)
        return await real_locked(conn, request, retries)

    async def always_lose(conn, request, retries):
        raise fast_status._Retry()

    monkeypatch.setattr(fast_status, "_update_optimistic", always_lose)
    monkeypatch.setattr(fast_status, "_update_locked", spy)
    try:
        result = await fast_status.update_player_status(
            room_code=room.room_code, player_id=seats[1].player.pk, status="lobby", actor=GAME_SERVER
        )
    finally:
        await settle()
    assert locked == [fast_status._OPTIMISTIC_ATTEMPTS]
    assert result.version == room.version + 1


async def test_stale_expected_version_and_unknown_seats_change_nothing():
    room, seats = await pg.run_orm(make_room, players=2)
    try:
        with pytest.raises(StateConflictError) as conflict:
            await fast_status.update_player_status(
                room_code=room.room_code,
                player_id=seats[1].player.pk,
                status="lobby",
                expected_version=99,
                actor=GAME_SERVER,
            )
        assert conflict.value.current_state["version"] == room.version
        with pytest.raises(PlayerNotFoundError):
            await fast_status.update_player_status(
                room_code=room.room_code, player_id=seats[0].room.pk, status="lobby", actor=GAME_SERVER
            )
        with pytest.raises(RoomNotFoundError):
            await fast_status.update_player_status(
                room_code="ZZZZZZ", player_id=seats[1].player.pk, status="lobby", actor=GAME_SERVER
            )
    finally:
        await settle()
    assert await pg.run_orm(lambda: Room.objects.get(pk=room.pk).version) == room.version


async def test_the_lean_path_counts_its_updates_requests_and_replays_like_django(settings):
    from prometheus_client import REGISTRY

    def value(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    settings.GAMEAPI_LEAN_PATH = True
    raw_key, _ = await pg.run_orm(make_key, rate_limits={"status": "1000/m"})
    room, seats = await pg.run_orm(make_room, players=2, in_game=True)
    path = f"/api/v2/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    before = (
        value("gamebuddies_status_updates_total", source="api"),
        value("django_http_responses_total_by_status_total", status="200"),
        value("gamebuddies_idempotent_replays_total"),
    )
    headers = {"X-API-Key": raw_key, "Idempotency-Key": "metrics-1"}
    try:
        for _ in range(2):  # the second is replayed, not applied
            response = await asgi_request("POST", path, body=b'{"status": "in_game"}', headers=headers)
            assert response.status == 200
    finally:
        await settle()
    after = (
        value("gamebuddies_status_updates_total", source="api"),
        value("django_http_responses_total_by_status_total", status="200"),
        value("gamebuddies_idempotent_replays_total"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 2, 1]


async def test_with_redis_away_the_lean_path_hands_the_request_to_django_which_answers_it(settings, monkeypatch):
    from gameapi.lean import guard

    settings.GAMEAPI_LEAN_PATH = True
    raw_key, _ = await pg.run_orm(make_key)
    room, seats = await pg.run_orm(make_room, players=2, in_game=True)

    async def redis_away(**kwargs):
        raise guard.RedisUnavailable()

    monkeypatch.setattr(guard, "admit", redis_away)
    path = f"/api/v2/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    try:
        response = await asgi_request("POST", path, body=b'{"status": "in_game"}', headers={"X-API-Key": raw_key})
    finally:
        await settle()
    assert response.status == 200, response.content
    assert response.json()["player"]["inGame"] is True
    assert await pg.run_orm(lambda: Room.objects.get(pk=room.pk).version) == room.version + 1


async def test_pooled_connections_killed_while_idle_cost_a_retry_not_an_error():
    room, seats = await pg.run_orm(make_room, players=2, in_game=True)

    def update():
        return fast_status.update_player_status(
            room_code=room.room_code, player_id=seats[1].player.pk, status="in_game", actor=GAME_SERVER
        )

    def terminate_idle_async_backends() -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'gamebuddies-async' AND datname = current_database()"
            )
            return cursor.fetchone()[0]

    try:
        await update()  # the pool now holds open connections
        assert await pg.run_orm(terminate_idle_async_backends) >= 1
        result = await update()
        assert await fast_status.member_heartbeat(
            room_code=room.room_code, player_id=seats[1].player.pk, actor=GAME_SERVER
        )
    finally:
        await settle()
    assert result.version == room.version + 2


async def test_a_keyed_update_of_a_room_with_an_outbox_takes_the_orm_path_with_its_record(settings, monkeypatch):
    from rooms.services import changes

    async def has_outbox(room):
        return True

    monkeypatch.setattr(changes, "room_change_has_side_effects", has_outbox)
    settings.GAMEAPI_LEAN_PATH = True
    raw_key, key = await pg.run_orm(make_key)
    room, seats = await pg.run_orm(make_room, players=2, in_game=True)
    path = f"/api/v2/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    headers = {"X-API-Key": raw_key, "Idempotency-Key": "orm-1"}
    try:
        first = await asgi_request("POST", path, body=b'{"status": "in_game"}', headers=headers)
        assert first.status == 200, first.content
        record = await pg.run_orm(lambda: IdempotencyRecord.objects.get(api_key=key))
        assert str(record.event_id) == first.json()["updateId"]
        await pg.run_orm(cache.delete, f"gameapi:idem:{key.pk}:{hashlib.sha256(b'orm-1').hexdigest()}")
        replay = await asgi_request("POST", path, body=b'{"status": "in_game"}', headers=headers)
    finally:
        await settle()
    assert replay.status == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert await pg.run_orm(lambda: Room.objects.get(pk=room.pk).version) == room.version + 1


async def test_a_publish_lost_with_the_final_redis_round_trip_is_counted_failed_and_the_write_stands(
    settings, monkeypatch
):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from gamebuddies import metrics

    settings.GAMEAPI_LEAN_PATH = True
    raw_key, _ = await pg.run_orm(make_key, rate_limits={"status": "1000/m"})
    room, seats = await pg.run_orm(make_room, players=2, in_game=True)
    path = f"/api/v2/rooms/{room.room_code}/players/{seats[1].player.pk}/status"

    async def redis_gone(pipe, *args, **kwargs):
        raise RedisConnectionError("Redis went away after the admission")

    failed = metrics.broadcasts.labels("failed")
    before = failed._value.get()
    monkeypatch.setattr(RedisPipeline, "execute", redis_gone)
    try:
        response = await asgi_request(
            "POST", path, body=b'{"status": "in_game", "location": "game"}', headers={"X-API-Key": raw_key}
        )
    finally:
        monkeypatch.undo()
        await settle()
    assert response.status == 200, response.content  # committed: acknowledged; sockets catch up by version
    assert failed._value.get() == before + 1
    assert await pg.run_orm(lambda: Room.objects.get(pk=room.pk).version) == response.json()["roomVersion"]
