"""Each metric moves when its action happens (issue: operations).

These run in one process, without PROMETHEUS_MULTIPROC_DIR, so the values are this
process's; test_metrics_across_workers.py shows the sum over worker processes.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from gameapi.webhooks.delivery import deliver_room
from gamebuddies import metrics, ratelimits
from gamebuddies.asgi import application
from gamebuddies.errors import RateLimitedError, StateConflictError
from rooms import services
from rooms.metrics import RoomsByStatusCollector
from rooms.models import Room, RoomMember, RoomStatus
from tests.factories import SYSTEM, make_room, player_actor


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.mark.django_db
def test_rooms_by_status_are_counted_at_scrape_time_with_one_query(client, django_assert_num_queries):
    lobby, _ = make_room()
    make_room()
    finished, _ = make_room()
    Room.objects.filter(pk=finished.pk).update(status=RoomStatus.FINISHED)

    samples = scraped(client)
    assert samples[("gamebuddies_rooms", (("status", "lobby"),))] == 2
    assert samples[("gamebuddies_rooms", (("status", "finished"),))] == 1
    assert samples[("gamebuddies_rooms", (("status", "abandoned"),))] == 0

    with django_assert_num_queries(1):
        list(RoomsByStatusCollector().collect())


@pytest.mark.django_db
def test_the_scrape_includes_django_prometheus_request_and_database_metrics(client):
    samples = scraped(client)
    names = {name for name, _ in samples}
    assert "django_http_requests_total_by_method_total" in names
    assert any(name == "django_db_execute_total" for name in names)


@pytest.mark.django_db
def test_queries_move_the_instrumented_database_metrics():
    labels = {"alias": "default", "vendor": connection.vendor}
    before = value("django_db_execute_total", **labels)
    Room.objects.count()
    Room.objects.exists()
    assert value("django_db_execute_total", **labels) == before + 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_instrumented_postgresql_engine_keeps_the_connection_pool():
    assert connection.settings_dict["ENGINE"] == "django_prometheus.db.backends.postgresql"
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 1
    assert connection.pool is not None
    Room.objects.count()
    assert connection.pool.get_stats()["pool_size"] >= 1


def test_cache_gets_count_hits_and_misses_and_keep_falsy_values():
    backend = caches["default"].metrics_backend
    assert backend == ("redis" if settings.REDIS_URL else "locmem")
    hits, misses = (
        value("django_cache_get_hits_total", backend=backend),
        value("django_cache_get_misses_total", backend=backend),
    )
    assert cache.get("metrics-test-absent", "fallback") == "fallback"
    cache.set("metrics-test-zero", 0)
    assert cache.get("metrics-test-zero", "fallback") == 0  # a cached 0 is a hit, not the default
    assert value("django_cache_get_misses_total", backend=backend) == misses + 1
    assert value("django_cache_get_hits_total", backend=backend) == hits + 1


@pytest.mark.django_db
def test_a_stale_expected_version_counts_a_state_conflict():
    room, seats = make_room(players=2)
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    services.update_player_status(room=room.pk, player_id=member.player_id, status="connected", actor=SYSTEM)
    before = sum(value("gamebuddies_state_conflicts_total", source=s) for s in ("system", "sweep"))
    with pytest.raises(StateConflictError):
        services.update_player_status(
            room=room.pk, player_id=member.player_id, status="in_game", location="game",
            expected_version=member.version, actor=SYSTEM,
        )  # fmt: skip
    after = sum(value("gamebuddies_state_conflicts_total", source=s) for s in ("system", "sweep"))
    assert after == before + 1


def test_a_refused_rate_limit_counts_its_tier():
    before = value("gamebuddies_rate_limited_total", tier="status")
    ratelimits.hit(group="gameapi:status", value="metrics-test", rate="1/h")
    with pytest.raises(RateLimitedError):
        ratelimits.hit(group="gameapi:status", value="metrics-test", rate="1/h")
    assert value("gamebuddies_rate_limited_total", tier="status") == before + 1


@pytest.mark.django_db
def test_webhook_attempts_count_by_outcome(settings):
    from gameapi.services import api_key_create
    from gameapi.webhooks.outbox import invalidate_endpoint_cache
    from gameapi.webhooks.services import webhook_endpoint_create
    from tests.gameapi.webhooks.receiver import Receiver

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    delivered, retrying = (value("gamebuddies_webhook_deliveries_total", outcome=o) for o in ("delivered", "retrying"))
    with Receiver() as receiver:
        key = api_key_create(service_name="hooks", scopes=["webhooks"]).api_key
        webhook_endpoint_create(api_key=key, url=receiver.url, event_types=["room.created"])
        invalidate_endpoint_cache()
        ok_room, _ = make_room()
        deliver_room(ok_room.pk)
        receiver.status = 500
        failing_room, _ = make_room()
        deliver_room(failing_room.pk)
    assert value("gamebuddies_webhook_deliveries_total", outcome="delivered") == delivered + 1
    assert value("gamebuddies_webhook_deliveries_total", outcome="retrying") == retrying + 1


async def _seated_socket(code, token):
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{code}/")
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    await communicator.send_json_to({"type": "auth", "token": token})
    while (await communicator.receive_json_from(timeout=3))["type"] != "roomStateUpdate":
        pass
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_open_sockets_and_broadcasts_are_counted():
    room, seats = await database_sync_to_async(make_room)(players=2)
    open_before = value("gamebuddies_websocket_connections")
    communicator = await _seated_socket(room.room_code, seats[1].token)
    assert value("gamebuddies_websocket_connections") == open_before + 1

    sent, handoffs = (
        value("gamebuddies_broadcasts_total", outcome="sent"),
        value("gamebuddies_broadcast_handoff_seconds_count"),
    )
    await database_sync_to_async(services.member_set_ready)(
        room=room.pk, player_id=seats[0].player.pk, ready=True, actor=player_actor(seats[0])
    )
    while (await communicator.receive_json_from(timeout=3))["type"] != "roomStateUpdate":
        pass
    assert value("gamebuddies_broadcasts_total", outcome="sent") >= sent + 1
    assert value("gamebuddies_broadcast_handoff_seconds_count") >= handoffs + 1

    await communicator.disconnect()
    assert value("gamebuddies_websocket_connections") == open_before


@pytest.mark.django_db(transaction=True)
async def test_a_socket_message_flood_counts_as_rate_limited(settings):
    settings.WS_MESSAGE_BURST = 2
    settings.WS_MESSAGES_PER_SECOND = 0.01
    room, seats = await database_sync_to_async(make_room)(players=1)
    before = value("gamebuddies_rate_limited_total", tier="socket_messages")
    communicator = await _seated_socket(room.room_code, seats[0].token)
    for _ in range(5):
        await communicator.send_json_to({"type": "ping"})
    output = await communicator.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=3)
    assert output["code"] == 4429
    assert value("gamebuddies_rate_limited_total", tier="socket_messages") == before + 1


def test_the_status_update_source_labels_are_the_four_entry_points():
    from gamebuddies.actors import Actor

    assert metrics.source_of(Actor.api_key(api_key_id=1, game_slug=None)) == "api"
    assert metrics.source_of(Actor.staff()) == "admin"
    assert metrics.source_of(Actor.system()) == "sweep"
    assert metrics.source_of(Actor.player(player_id=None, room_id=None)) == "socket"
