"""The SDK's retry manners against a live server: idempotent retries, Retry-After, connection errors."""

from __future__ import annotations

import httpx
import pytest
from gamebuddies_sdk import (
    GameBuddiesClient,
    IdempotencyKeyReusedError,
    RateLimitedError,
    RetryPolicy,
    TransportError,
)

from tests.live import free_port

from .sdk_setup import FAST_RETRY, make_key

pytestmark = pytest.mark.django_db(transaction=True)


class LoseFirstResponse(httpx.BaseTransport):
    """Forwards every request to the real server, but 'loses' the first answer to a write.

    The server did the work; the client sees a dropped connection, as after a network blip.
    """

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.sent: list[httpx.Request] = []
        self.lost = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = self.inner.handle_request(request)
        if request.method == "POST" and not self.lost:
            response.read()
            response.close()
            self.lost = True
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_a_write_whose_answer_was_lost_is_retried_with_the_same_key_and_not_done_twice(
    live_server_url, api_key, demo_games
):
    created = GameBuddiesClient(live_server_url, api_key).create_room("Ana")
    transport = LoseFirstResponse()
    with GameBuddiesClient(live_server_url, api_key, retry=FAST_RETRY, transport=transport) as client:
        seat = client.add_player(created.room_code, "Ben")
        info = client.last_response
        room = client.get_room(created.room_code)

    posts = [r for r in transport.sent if r.method == "POST"]
    assert len(posts) == 2, "one lost attempt, one retry"
    keys = {r.headers["Idempotency-Key"] for r in posts}
    assert len(keys) == 1 and info.idempotency_key in keys
    assert info.replayed is True and info.attempts == 2
    assert [p.name for p in room.players] == ["Ana", "Ben"], "the retry must not seat Ben twice"
    assert room.player(seat.player_id) is not None


def test_every_write_gets_its_own_idempotency_key_and_a_chosen_key_replays(client):
    created = client.create_room("Ana")
    first_key = client.last_response.idempotency_key
    again = client.create_room("Ana")
    assert again.room_code != created.room_code and client.last_response.idempotency_key != first_key

    one = client.add_player(created.room_code, "Ben", idempotency_key="seat-ben-1")
    two = client.add_player(created.room_code, "Ben", idempotency_key="seat-ben-1")
    assert client.last_response.replayed is True
    assert (two.player_id, two.session_token) == (one.player_id, one.session_token)
    assert len(client.get_room(created.room_code).players) == 2

    with pytest.raises(IdempotencyKeyReusedError) as reused:
        client.add_player(created.room_code, "Someone else", idempotency_key="seat-ben-1")
    assert reused.value.status == 422


def test_rate_limited_calls_wait_at_least_retry_after_then_give_up_with_the_typed_error(live_server_url, demo_games):
    key = make_key(rate_limits={"validation": "1/m"})
    waits: list[float] = []
    retry = RetryPolicy(max_retries=2, backoff_base=0.05, backoff_max=0.2, max_retry_after=120)
    with GameBuddiesClient(live_server_url, key, retry=retry, sleep=waits.append) as client:
        assert client.validate_key().valid
        with pytest.raises(RateLimitedError) as limited:
            client.validate_key()
    assert limited.value.status == 429 and limited.value.retryable
    assert limited.value.retry_after and limited.value.retry_after >= 1
    assert len(waits) == 2, "two retries, each after the server's Retry-After"
    assert all(wait >= limited.value.retry_after for wait in waits)


def test_a_retry_after_longer_than_the_client_accepts_is_raised_at_once(live_server_url, demo_games):
    key = make_key(rate_limits={"validation": "1/m"})
    waits: list[float] = []
    retry = RetryPolicy(max_retries=3, max_retry_after=0.5)
    with GameBuddiesClient(live_server_url, key, retry=retry, sleep=waits.append) as client:
        client.validate_key()
        with pytest.raises(RateLimitedError):
            client.validate_key()
    assert waits == []


def test_connection_errors_are_retried_with_growing_backoff_then_raised(transactional_db):
    waits: list[float] = []
    retry = RetryPolicy(max_retries=3, backoff_base=0.1, backoff_max=10)
    nowhere = f"http://127.0.0.1:{free_port()}"
    with GameBuddiesClient(nowhere, "gb_" + "a" * 64, retry=retry, sleep=waits.append, timeout=2) as client:
        with pytest.raises(TransportError) as failed:
            client.create_room("Ana")
    assert failed.value.retryable and failed.value.status is None
    assert len(waits) == 3
    # Equal jitter: attempt n waits between half and all of base * 2**n.
    for attempt, wait in enumerate(waits):
        ceiling = 0.1 * 2**attempt
        assert ceiling / 2 <= wait <= ceiling
