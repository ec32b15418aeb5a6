"""Production faults against real processes (issue 16): two Uvicorn workers on the test
database and a throwaway redis-server owned by the test, shared by the whole module.

Everything goes through HTTP and WebSocket, so whichever implementation serves a route (the
Django views or the lean path in front of them) is what is tested. Every status write carries
a unique `seq` in its metadata, so the history table says exactly which writes were applied.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack

import pytest
from django.conf import settings
from django.db import connection

from players.models import PlayerStatusHistory
from rooms.models import Room, RoomMember
from tests.factories import make_room
from tests.gameapi.client import make_key

from .cluster import Cluster, LobbySocket, StatusWrite, Writers, is_retryable_503, request
from .pg import terminate_other_backends

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NO_LIMITS = {"status": "100000/m", "heartbeat": "100000/m"}


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), ExitStack() as stack:
        yield Cluster.start(stack)


@pytest.fixture
def game(cluster):
    """A room with four seats and a game-server key without rate limits."""
    room, seats = make_room(players=4)
    raw_key, _ = make_key(rate_limits=NO_LIMITS)
    return room, seats, raw_key


def applied_seqs(room) -> Counter:
    connection.close()  # this process's connection may have been terminated too
    rows = PlayerStatusHistory.objects.filter(room=room, metadata__has_key="seq").values_list("metadata", flat=True)
    return Counter(row["seq"] for row in rows)


def assert_only_200_or_retryable_503(writes):
    for write in writes:
        for answer in write.answers:
            assert answer.status == 200 or is_retryable_503(answer), (write.seq, answer)


def test_backends_terminated_under_concurrent_writes_give_only_200_or_retryable_503_and_nothing_is_lost(cluster, game):
    room, seats, api_key = game

    def next_write(lane, turn):
        return StatusWrite(
            url=cluster.urls[(lane + turn) % 2],
            room_code=room.room_code,
            player_id=str(seats[lane].player.pk),
            api_key=api_key,
            idempotency_key=f"kill-{lane}-{turn}",
        )

    kills = []
    with Writers(next_write, threads=4) as writers:
        time.sleep(0.3)
        for _ in range(20):
            kills.append(terminate_other_backends())
            time.sleep(0.15)
        time.sleep(0.3)
    connection.close()  # this process's own connection was terminated too
    assert sum(kills) >= 20, kills  # the servers' pooled connections really were terminated
    writes = writers.writes
    assert len(writes) >= 40
    assert_only_200_or_retryable_503(writes)

    # Every refused write, sent again with its Idempotency-Key, ends up acknowledged.
    refused = [w for w in writes if not w.acknowledged]
    for write in refused:
        for _ in range(10):
            if write.send().status == 200:
                break
            time.sleep(0.3)
    assert_only_200_or_retryable_503(refused)
    assert all(w.acknowledged for w in writes), [w.answers for w in writes if not w.acknowledged]

    applied = applied_seqs(room)
    replayed = sum(any(a.headers.get("idempotent-replayed") == "true" for a in w.answers) for w in refused)
    print(  # shown with -s: how hard the faults hit
        f"{len(writes)} writes, {len(refused)} refused then retried, "
        f"{replayed} of them replayed (committed, answer lost), {sum(n > 1 for n in applied.values())} applied twice"
    )
    # Acknowledged the first time: in the history exactly once.
    first_time = [w.seq for w in writes if w.answers[0].status == 200]
    assert {seq: applied[seq] for seq in first_time} == dict.fromkeys(first_time, 1)
    # Refused, then retried with the key: applied exactly once, also where the first try's
    # COMMIT went through but its answer was lost (the retry replays the durable record).
    assert {w.seq: applied[w.seq] for w in refused} == dict.fromkeys((w.seq for w in refused), 1)
    assert set(applied) == {w.seq for w in writes}
    # The pools recovered: the room is still served, and by both processes.
    for url in cluster.urls:
        assert request("GET", f"{url}/readyz").status == 200


def test_redis_stopped_and_restarted_under_writes_no_500_nothing_lost_and_broadcasts_resume(cluster, game):
    room, seats, api_key = game
    writer_url, socket_url = cluster.urls
    watcher = LobbySocket(socket_url, room.room_code, seats[0].token)

    def next_write(lane, turn):
        return StatusWrite(
            url=writer_url, room_code=room.room_code, player_id=str(seats[1 + lane].player.pk), api_key=api_key
        )

    try:
        with Writers(next_write, threads=2) as writers:
            time.sleep(0.5)
            cluster.redis.stop()
            down = [request("GET", f"{url}/readyz") for url in cluster.urls]
            time.sleep(2)
            cluster.redis.start()
            time.sleep(0.5)
        # While Redis was away both workers said they were not ready, naming the cache.
        for answer in down:
            assert answer.status == 503 and answer.body["checks"] == {"database": "ok", "cache": "down"}, answer
        # And both say ready again without a restart.
        for url in cluster.urls:
            assert _eventually(lambda url=url: request("GET", f"{url}/readyz").status == 200, seconds=10)

        writes = writers.writes
        assert_only_200_or_retryable_503(writes)
        acknowledged = [w.seq for w in writes if w.acknowledged]
        assert acknowledged and set(acknowledged) <= set(applied_seqs(room))

        # Broadcasts flow across processes again: a write on one worker reaches the socket on the other.
        def delivered() -> bool:
            write = StatusWrite(
                url=writer_url, room_code=room.room_code, player_id=str(seats[1].player.pk), api_key=api_key
            )
            answer = write.send()
            if answer.status != 200:
                return False
            version = answer.body["roomVersion"]
            try:
                watcher.wait_for(lambda m: m.get("type") == "roomStateUpdate" and m["version"] >= version, 1)
            except AssertionError:
                return False
            return True

        assert _eventually(delivered, seconds=10)
        assert not watcher.closed.is_set()  # the socket lived through the restart
    finally:
        close_and_settle(room, {watcher: seats[0]})


def test_worker_killed_under_writes_and_open_sockets_loses_nothing_and_its_clients_resync_elsewhere(cluster, game):
    room, seats, api_key = game
    doomed, survivor = cluster.urls
    orphan = LobbySocket(doomed, room.room_code, seats[0].token)
    bystander = LobbySocket(survivor, room.room_code, seats[3].token)

    def next_write(lane, turn):
        url = (doomed, survivor)[turn % 2]
        return StatusWrite(url=url, room_code=room.room_code, player_id=str(seats[1 + lane].player.pk), api_key=api_key)

    try:
        with Writers(next_write, threads=2) as writers:
            time.sleep(0.7)
            cluster.kill(doomed)
            time.sleep(1.0)
        assert orphan.closed.wait(5)  # its server is gone
        writes = writers.writes
        # The dead worker gives no answer at all (0); the living one never a 500.
        for write in writes:
            for answer in write.answers:
                assert answer.status in (0, 200) or is_retryable_503(answer), (write.seq, answer)
        assert any(w.acknowledged for w in writes if w.url == survivor)
        acknowledged = [w.seq for w in writes if w.acknowledged]
        applied = applied_seqs(room)
        assert {seq: applied[seq] for seq in acknowledged} == dict.fromkeys(acknowledged, 1)

        # The orphaned client reconnects to the other worker and catches up to the latest version.
        last_seen = orphan.latest_version()
        current = Room.objects.get(pk=room.pk).version
        assert last_seen < current  # it really missed something
        resumed = LobbySocket(survivor, room.room_code, seats[0].token)
        current = Room.objects.get(pk=room.pk).version  # taking the seat again is a change too
        try:
            resumed.send({"type": "sync", "requestId": "sync", "lastKnownVersion": last_seen})
            ack = resumed.wait_for(lambda m: m.get("type") == "ack" and m.get("requestId") == "sync", 10)
            assert ack["success"] is True and ack["version"] == current
            snapshot = [m for m in resumed.messages if m.get("type") == "roomStateUpdate"]
            assert snapshot and max(m["version"] for m in snapshot) == current
        finally:
            # The killed worker's socket of this seat stays listed until the presence sweep
            # (rooms/services/sockets.py): its seat stays connected, only the grace timer runs.
            close_and_settle(room, {resumed: seats[0]}, lingering={seats[0].player.pk})
        # A client of the surviving worker saw every change through to the last one.
        bystander.wait_for(lambda m: m.get("type") == "roomStateUpdate" and m["version"] >= current, 5)
        assert not bystander.closed.is_set()
    finally:
        orphan.close()
        close_and_settle(room, {bystander: seats[3]})


def close_and_settle(room, seats_by_socket: dict, lingering=frozenset()) -> None:
    """Close sockets and wait until their servers have marked the seats disconnected, so no
    server write races the flush of the test database after the test. `lingering`: seats that
    stay connected (another socket of theirs still counts); only their grace timers are waited out."""
    for socket in seats_by_socket:
        socket.close()
    connection.close()
    players = [seat.player for seat in seats_by_socket.values() if seat.player.pk not in lingering]
    members = RoomMember.objects.filter(room=room, player__in=players)
    assert _eventually(lambda: not members.filter(is_connected=True).exists(), seconds=10, every=0.1)
    if lingering:
        time.sleep(settings.WS_DISCONNECT_GRACE_SECONDS + 1)


def _eventually(check, *, seconds: float, every: float = 0.3) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False
