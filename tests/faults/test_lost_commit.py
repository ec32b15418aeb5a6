"""Exactly-once through a connection lost around COMMIT (issue 16): the Idempotency-Key's record
is written in PostgreSQL in the change's own transaction, so the retry replays the original
answer if the change committed and applies it, once, if it did not.

The faults are real: the test terminates the PostgreSQL backend of the connection that carries
the write (pg_terminate_backend), just after the COMMIT was processed (the client never reads
its answer) or just before the write is sent; psycopg then meets a really dead connection.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from psycopg import AsyncConnection, AsyncPipeline

from gameapi.models import IdempotencyRecord
from gamebuddies import pg as gb_pg
from players.models import PlayerStatusHistory
from rooms.models import Room, RoomEvent
from rooms.services import fast_status
from tests.factories import make_room
from tests.gameapi.client import ApiClient, assert_envelope, make_key
from tests.gameapi.lean_client import asgi_request, settle

from .pg import terminate_backend

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

RECORD_INSERT = "INSERT INTO api_idempotency_records"


def _stored(room, seq):
    connection.close()  # this process's connection may have been terminated too
    rows = PlayerStatusHistory.objects.filter(room=room, metadata__seq=seq).count()
    return rows, Room.objects.get(pk=room.pk).version, IdempotencyRecord.objects.count()


async def _lose(conn) -> None:
    """Terminate this connection's backend, then let psycopg find out (OperationalError)."""
    await gb_pg.run_orm(terminate_backend, conn.info.backend_pid)
    await conn.execute("SELECT 1")


@pytest.fixture
def lost_after_commit(monkeypatch):
    """The next recorded status write commits, then its connection dies before the answer is read."""
    execute, pipeline_exit = AsyncConnection.execute, AsyncPipeline.__aexit__
    state = {"armed": True, "fired": 0, "in_pipeline": None}

    async def execute_then_lose(conn, query, *args, **kwargs):
        cursor = await execute(conn, query, *args, **kwargs)
        if state["armed"] and isinstance(query, str) and RECORD_INSERT in query:
            if conn._pipeline is not None:  # the locked path: COMMIT follows in the same pipeline
                state["in_pipeline"] = conn
            else:
                state["armed"] = False
                state["fired"] += 1
                await _lose(conn)
        return cursor

    async def pipeline_exit_then_lose(pipeline, *args):
        result = await pipeline_exit(pipeline, *args)
        conn = state["in_pipeline"]
        if conn is not None and state["armed"] and args[0] is None:
            state["armed"], state["in_pipeline"] = False, None
            state["fired"] += 1
            await _lose(conn)
        return result

    monkeypatch.setattr(AsyncConnection, "execute", execute_then_lose)
    monkeypatch.setattr(AsyncPipeline, "__aexit__", pipeline_exit_then_lose)
    return state


@pytest.fixture
def lost_before_write(monkeypatch):
    """The next recorded status write meets a connection whose backend was just terminated."""
    execute = AsyncConnection.execute
    state = {"armed": True, "fired": 0}

    async def lose_then_execute(conn, query, *args, **kwargs):
        if state["armed"] and isinstance(query, str) and RECORD_INSERT in query:
            state["armed"] = False
            state["fired"] += 1
            await gb_pg.run_orm(terminate_backend, conn.info.backend_pid)
        return await execute(conn, query, *args, **kwargs)

    monkeypatch.setattr(AsyncConnection, "execute", lose_then_execute)
    return state


async def _lean_status(room, seat, raw_key, seq, key):
    path = f"/api/v2/rooms/{room.room_code}/players/{seat.player.pk}/status"
    body = f'{{"status": "connected", "metadata": {{"seq": {seq}}}}}'.encode()
    return await asgi_request("POST", path, body=body, headers={"X-API-Key": raw_key, "Idempotency-Key": key})


@pytest.fixture
def lean(settings):
    settings.GAMEAPI_LEAN_PATH = True


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["optimistic", "locked"])
async def test_lean_status_whose_commit_answer_is_lost_is_503_then_its_retry_replays_the_applied_change(
    lean, lost_after_commit, monkeypatch, path
):
    if path == "locked":
        monkeypatch.setattr(fast_status, "_OPTIMISTIC_ATTEMPTS", 0)
    raw_key, _ = await gb_pg.run_orm(make_key)
    room, seats = await gb_pg.run_orm(make_room, players=2, in_game=True)
    try:
        first = await _lean_status(room, seats[1], raw_key, 1, "lost-commit-1")
        assert lost_after_commit["fired"] == 1  # the fault really happened
        assert first.status == 503, first.content
        assert first.json()["code"] == "SERVICE_UNAVAILABLE" and first.json()["retryable"] is True
        # It did commit: the change and its record are there, once.
        assert await gb_pg.run_orm(_stored, room, 1) == (1, room.version + 1, 1)

        retry = await _lean_status(room, seats[1], raw_key, 1, "lost-commit-1")
        assert retry.status == 200, retry.content
        assert retry["Idempotent-Replayed"] == "true"
        answer = retry.json()
        assert answer["roomVersion"] == room.version + 1
        event = await gb_pg.run_orm(
            lambda: RoomEvent.objects.get(room=room, event_type="player_status_changed", room_version=room.version + 1)
        )
        assert answer["updateId"] == str(event.pk)
        assert answer["player"]["id"] == str(seats[1].player.pk) and answer["player"]["gameData"] == {"seq": 1}
        # Applied exactly once, whatever the retries; the next retry is served by Redis, the same.
        again = await _lean_status(room, seats[1], raw_key, 1, "lost-commit-1")
        assert again.json() == answer
    finally:
        await settle()
    assert await gb_pg.run_orm(_stored, room, 1) == (1, room.version + 1, 1)


@pytest.mark.asyncio
async def test_lean_status_whose_connection_dies_before_the_write_is_503_then_applied_once_by_its_retry(
    lean, lost_before_write
):
    raw_key, _ = await gb_pg.run_orm(make_key)
    room, seats = await gb_pg.run_orm(make_room, players=2, in_game=True)
    try:
        first = await _lean_status(room, seats[1], raw_key, 2, "lost-before-1")
        assert lost_before_write["fired"] == 1
        assert first.status == 503 and first.json()["retryable"] is True
        assert await gb_pg.run_orm(_stored, room, 2) == (0, room.version, 0)  # nothing applied
        retry = await _lean_status(room, seats[1], raw_key, 2, "lost-before-1")
        assert retry.status == 200, retry.content
        assert "idempotent-replayed" not in retry.headers  # really applied, now
        assert retry.json()["roomVersion"] == room.version + 1
    finally:
        await settle()
    assert await gb_pg.run_orm(_stored, room, 2) == (1, room.version + 1, 1)


@pytest.fixture
def drf_commit_lost(monkeypatch):
    """The next COMMIT on Django's connection is processed, then its backend dies unanswered."""
    real_commit = DatabaseWrapper._commit
    state = {"armed": False, "fired": 0}  # armed by the test, after its own setup committed

    def commit_then_lose(wrapper):
        real_commit(wrapper)
        if state["armed"]:
            state["armed"] = False
            state["fired"] += 1
            terminate_backend(wrapper.connection.info.backend_pid)
            wrapper.connection.execute("SELECT 1")  # the client finds the connection gone

    monkeypatch.setattr(DatabaseWrapper, "_commit", commit_then_lose)
    return state


def test_drf_status_whose_commit_answer_is_lost_is_503_then_its_retry_replays_the_applied_change(drf_commit_lost):
    room, seats = make_room(players=2)
    raw_key, _ = make_key()
    api = ApiClient(raw_key)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    body, headers = {"status": "connected", "metadata": {"seq": 3}}, {"Idempotency-Key": "drf-lost-commit"}

    drf_commit_lost["armed"] = True
    first = api.post(path, body, headers=headers)
    assert drf_commit_lost["fired"] == 1
    assert assert_envelope(first, "SERVICE_UNAVAILABLE", 503)["retryable"] is True
    assert _stored(room, 3) == (1, room.version + 1, 1)  # committed: not run again by the middleware

    retry = api.post(path, body, headers=headers)
    assert retry.status_code == 200, retry.content
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["roomVersion"] == room.version + 1
    assert _stored(room, 3) == (1, room.version + 1, 1)
