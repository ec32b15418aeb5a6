"""A lost PostgreSQL connection is re-run once before commit, else a retryable 503 — never a 500.

Faults are real: the test terminates the request's own PostgreSQL backend (pg_terminate_backend)
just before a statement is sent, so psycopg meets a really dead connection.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from players.models import Player, PlayerStatusHistory
from rooms.models import Room, RoomMember
from tests.factories import make_room
from tests.gameapi.client import ApiClient, assert_envelope, make_key

from .pg import backend_killed_before, terminate_other_backends

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOM_LOCK = "FOR UPDATE"


@pytest.fixture
def api():
    raw, _ = make_key()
    return ApiClient(raw)


def _status(api, room, seat, **body):
    return api.post(f"/rooms/{room.room_code}/players/{seat.player.pk}/status", {"status": "connected", **body})


def test_status_update_whose_connection_dies_before_commit_is_run_again_and_applied_once(api, caplog):
    room, seats = make_room(players=2)
    with caplog.at_level(logging.WARNING, "gamebuddies.db_resilience"), backend_killed_before(ROOM_LOCK) as left:
        response = _status(api, room, seats[1], metadata={"seq": 1})
    assert left["n"] == 0  # the fault really happened
    assert response.status_code == 200, response.content
    assert "running POST" in caplog.text and "once more" in caplog.text
    assert Room.objects.get(pk=room.pk).version == room.version + 1
    history = PlayerStatusHistory.objects.filter(room=room, player=seats[1].player)
    assert [row.metadata for row in history] == [{"seq": 1}]


def test_a_request_run_again_after_a_lost_connection_counts_once_in_its_rate_tier():
    raw, _ = make_key(rate_limits={"status": "2/m"})
    api = ApiClient(raw)
    room, seats = make_room(players=2)
    with backend_killed_before(ROOM_LOCK) as left:
        rerun = _status(api, room, seats[1], metadata={"seq": 1})
    assert left["n"] == 0 and rerun.status_code == 200, rerun.content  # ran twice, answered once
    # Two per minute: the re-run request was one of them, so one more fits, and then no more.
    assert _status(api, room, seats[1], metadata={"seq": 2}).status_code == 200
    assert_envelope(_status(api, room, seats[1], metadata={"seq": 3}), "RATE_LIMITED", 429)


def test_connection_lost_on_every_try_is_503_service_unavailable_retryable_with_retry_after(api):
    room, seats = make_room(players=2)
    with backend_killed_before(ROOM_LOCK, times=2):
        response = _status(api, room, seats[1])
    body = assert_envelope(response, "SERVICE_UNAVAILABLE", 503)
    assert body["retryable"] is True and body["retryAfter"] >= 1
    assert int(response["Retry-After"]) >= 1
    assert Room.objects.get(pk=room.pk).version == room.version
    assert not PlayerStatusHistory.objects.filter(room=room).exclude(reason__startswith="join").exists()


@pytest.mark.urls("tests.faults.urls")
def test_a_request_that_already_committed_is_not_run_again_but_answered_503():
    response = Client().get("/api/test/commit-then-lose-connection")
    assert response.status_code == 503
    assert response.json()["code"] == "SERVICE_UNAVAILABLE" and response.json()["retryable"] is True
    assert Player.objects.filter(display_name="committed once").count() == 1


def test_room_creation_page_survives_a_lost_connection_and_seats_the_host_once():
    client = Client(REMOTE_ADDR="198.51.100.20")
    with backend_killed_before('INSERT INTO "rooms"'):
        response = client.post("/rooms/new", {"create-name": "Ann"})
    assert response.status_code == 302, response.content[:500]
    assert Room.objects.count() == 1 and RoomMember.objects.count() == 1


def test_page_whose_database_stays_away_gets_a_plain_503_page_not_a_500():
    client = Client(REMOTE_ADDR="198.51.100.21")
    with backend_killed_before('INSERT INTO "rooms"', times=2):
        response = client.post("/rooms/new", {"create-name": "Ann"})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html") and int(response["Retry-After"]) >= 1
    assert b"nothing was changed" in response.content
    assert Room.objects.count() == 0


def test_dead_idle_connections_never_run_a_statement_and_are_all_dropped_at_the_first_one(api, caplog):
    room, seats = make_room(players=2)
    # Some idle connections in the pool, then every one of them is terminated.
    for _ in range(3):
        assert _status(api, room, seats[1]).status_code == 200
    connection.close()
    assert terminate_other_backends() >= 1
    with caplog.at_level(logging.WARNING, "gamebuddies.db_resilience"):
        first = _status(api, room, seats[1], metadata={"after": "kill"})
        caught = caplog.text.count("dead connection taken from the database pool")
        second = _status(api, room, seats[1], metadata={"after": "purge"})
    assert first.status_code == 200 and second.status_code == 200, (first.content, second.content)
    assert caught == 1  # found before its first statement, and the pool was checked at once:
    assert caplog.text.count("dead connection taken from the database pool") == 1  # none left for the next
    assert "once more" not in caplog.text  # swapped for a live one: nothing had to run twice
    history = PlayerStatusHistory.objects.filter(room=room, player=seats[1].player, metadata__has_key="after")
    assert sorted(row.metadata["after"] for row in history) == ["kill", "purge"]
