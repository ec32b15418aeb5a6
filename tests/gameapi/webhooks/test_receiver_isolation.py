"""One slow or failing webhook receiver cannot stall the others (issue 18 #2).

The attack: a receiver trickled one byte every 3 s, held an attempt for 150 s, delayed
another game's delivery by 148 s, was retried again and again, and a status staff set
during the attempt was overwritten when the attempt saved.
"""

import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from gameapi.services import api_key_create
from gameapi.webhooks import outbound
from gameapi.webhooks.delivery import deliver_room, redeliver
from gameapi.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from gameapi.webhooks.outbox import invalidate_endpoint_cache
from gameapi.webhooks.senders import sender_pool
from gameapi.webhooks.services import webhook_endpoint_create
from rooms.models import Game
from tests.factories import make_room
from tests.gameapi.webhooks.deliveries import make_due
from tests.gameapi.webhooks.receiver import Receiver


@pytest.fixture
def loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    yield
    # Attempts still running on sender threads finish before the test's data is cleared.
    assert _wait_for(lambda: sender_pool().in_flight == 0, 10)


@pytest.fixture
def receivers(loopback):
    with Receiver() as first, Receiver() as second:
        yield first, second


def _subscribe(url, *, game=None, event_types=("room.created",)):
    key = api_key_create(service_name="hooks", scopes=["webhooks"], game_slug=game).api_key
    endpoint = webhook_endpoint_create(api_key=key, url=url, event_types=list(event_types)).endpoint
    invalidate_endpoint_cache()
    return endpoint


def _failing_endpoint(receivers, status: int):
    failing = receivers[0]
    failing.status = status
    return failing, _subscribe(failing.url)


def _games():
    for slug in ("slowgame", "fastgame"):
        Game.objects.create(slug=slug, name=slug, launch_url=f"/games/{slug}/", min_players=1, max_players=4)


def _wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_a_trickling_receiver_does_not_delay_another_games_delivery_on_the_worker(receivers, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    settings.WEBHOOK_DISPATCH_WAIT_SECONDS = 0.3
    slow, fast = receivers
    slow.trickle, slow.trickle_every = "headers", 0.5
    _games()
    slow_endpoint = _subscribe(slow.url, game="slowgame")
    _subscribe(fast.url, game="fastgame")
    make_room(game_slug="slowgame")  # queued first: the worker meets the slow receiver first
    make_room(game_slug="fastgame")

    started = time.monotonic()
    call_command("run_worker", batch=True, interval=0)  # the real worker, one task at a time
    worker_returned = time.monotonic() - started

    assert _wait_for(lambda: fast.received_at, 2)
    assert fast.received_at[0] - started < 1.5  # not after the slow receiver's 3 s deadline
    assert worker_returned < 2.5
    # The slow attempt ran on, was cut off at its deadline, and its endpoint now backs off.
    assert _wait_for(lambda: WebhookAttempt.objects.filter(delivery__endpoint=slow_endpoint).exists(), 5)
    slow_attempt = WebhookAttempt.objects.get(delivery__endpoint=slow_endpoint)
    assert slow_attempt.error == "deadline exceeded (3 s)" and slow_attempt.duration_ms < 4000
    assert WebhookEndpoint.objects.get(pk=slow_endpoint.pk).backoff_until > timezone.now()


@pytest.mark.django_db
def test_a_failing_endpoint_backs_off_for_every_room_not_once_per_delivery(receivers):
    failing, endpoint = _failing_endpoint(receivers, 503)
    first_room, _ = make_room()
    second_room, _ = make_room()
    third_room, _ = make_room()

    deliver_room(first_room.pk)
    come_back = deliver_room(second_room.pk)
    deliver_room(third_room.pk)
    assert len(failing.received) == 1  # the other rooms' deliveries wait for the endpoint's backoff
    backoff_until = WebhookEndpoint.objects.get(pk=endpoint.pk).backoff_until
    assert come_back == backoff_until and backoff_until > timezone.now()

    failing.status = 200
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(backoff_until=timezone.now())
    for room in (second_room, third_room):
        assert deliver_room(room.pk) is None
    make_due(WebhookDelivery.objects.get(room=first_room))
    deliver_room(first_room.pk)
    refreshed = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (refreshed.consecutive_failures, refreshed.backoff_until) == (0, None)  # success clears it
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db
def test_consecutive_failures_lengthen_the_endpoints_backoff(receivers):
    _, endpoint = _failing_endpoint(receivers, 500)
    room, _ = make_room()
    delivery = WebhookDelivery.objects.get(room=room)
    waits = []
    for _ in range(4):
        make_due(delivery)
        before = timezone.now()
        deliver_room(room.pk)
        waits.append((WebhookEndpoint.objects.get(pk=endpoint.pk).backoff_until - before).total_seconds())
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).consecutive_failures == 4
    # 5, 10, 20, 40 s ceilings with jitter in the upper half: each wait at least the previous ceiling.
    assert waits[0] >= 2.5 and waits[1] >= 5 and waits[2] >= 10 and waits[3] >= 20


@pytest.mark.django_db(transaction=True)
def test_one_endpoint_never_gets_more_than_its_concurrency_cap(receivers, settings):
    settings.WEBHOOK_ENDPOINT_CONCURRENCY = 2
    settings.WEBHOOK_DISPATCH_WAIT_SECONDS = 0.05
    receiver, _ = receivers
    receiver.delay = 0.8
    _subscribe(receiver.url)
    rooms = [make_room()[0] for _ in range(5)]

    come_backs = [deliver_room(room.pk, senders=sender_pool()) for room in rooms]
    assert all(come_back is not None for come_back in come_backs)
    assert _wait_for(lambda: len(receiver.received) >= 2, 2)
    time.sleep(0.3)
    assert len(receiver.received) == 2 and receiver.max_active == 2  # the other three wait for a slot

    def all_delivered_as_the_worker_keeps_coming_back():
        for room in rooms:
            deliver_room(room.pk, senders=sender_pool())
        return WebhookDelivery.objects.filter(status="delivered").count() == 5

    assert _wait_for(all_delivered_as_the_worker_keeps_coming_back, 8)
    assert receiver.max_active == 2 and len(receiver.received) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("staff_change", ["cancelled", "redelivered"])
def test_a_change_staff_make_during_the_attempt_wins_over_the_attempts_result(receivers, monkeypatch, staff_change):
    receiver, _ = receivers
    _subscribe(receiver.url)
    room, _ = make_room()
    delivery = WebhookDelivery.objects.get(room=room)
    real_post = outbound.post_json

    def post_while_staff_act(*args, **kwargs):
        # Staff act (once) while the receiver is still answering.
        monkeypatch.setattr(outbound, "post_json", real_post)
        if staff_change == "cancelled":
            WebhookDelivery.objects.filter(pk=delivery.pk).update(status="cancelled", cancel_reason="by staff")
        else:
            redeliver(WebhookDelivery.objects.get(pk=delivery.pk))
        return real_post(*args, **kwargs)

    monkeypatch.setattr(outbound, "post_json", post_while_staff_act)
    deliver_room(room.pk)

    row = WebhookDelivery.objects.get(pk=delivery.pk)
    if staff_change == "cancelled":
        assert len(receiver.received) == 1 and WebhookAttempt.objects.get(delivery=row).status_code == 200
        assert (row.status, row.cancel_reason) == ("cancelled", "by staff")
    else:
        # The redelivery asked for during the first attempt still stands: it went out again.
        assert len(receiver.received) == 2 and WebhookAttempt.objects.filter(delivery=row).count() == 2
        assert row.status == "delivered"
