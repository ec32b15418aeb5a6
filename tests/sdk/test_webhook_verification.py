"""verify_webhook: a receiver trusts only untouched, recent deliveries signed with its secret."""

from __future__ import annotations

import json
import time

import pytest
from gamebuddies_sdk import WebhookVerificationError, sign_webhook, verify_webhook

from gameapi.webhooks.signing import new_webhook_secret, signature_header

SECRET = "whsec_test-secret"
BODY = json.dumps(
    {
        "id": "evt_1",
        "type": "game.ended",
        "createdAt": "2026-01-01T00:00:00Z",
        "roomCode": "K7Q2MX",
        "roomVersion": 12,
        "data": {"playersReturned": 2},
    },
    separators=(",", ":"),
).encode()


def headers_for(body: bytes = BODY, *, secret: str = SECRET, timestamp: int | None = None) -> dict:
    return {"X-GameBuddies-Signature": sign_webhook(secret, body, timestamp)}


def test_a_fresh_untouched_delivery_is_accepted_and_parsed():
    event = verify_webhook(SECRET, headers_for(), BODY)
    assert (event.id, event.type, event.room_code, event.room_version) == ("evt_1", "game.ended", "K7Q2MX", 12)
    assert event.data == {"playersReturned": 2}


def test_a_delivery_signed_by_the_server_verifies_with_the_sdk():
    secret = new_webhook_secret()
    header = signature_header(secret, BODY)
    assert verify_webhook(secret, {"x-gamebuddies-signature": header}, BODY).type == "game.ended"


def test_a_tampered_body_is_rejected():
    tampered = BODY.replace(b'"playersReturned":2', b'"playersReturned":9')
    with pytest.raises(WebhookVerificationError, match="does not match"):
        verify_webhook(SECRET, headers_for(), tampered)


def test_an_old_timestamp_is_rejected_even_with_a_valid_signature():
    old = int(time.time()) - 301
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_webhook(SECRET, headers_for(timestamp=old), BODY)
    assert verify_webhook(SECRET, headers_for(timestamp=old), BODY, tolerance=600).id == "evt_1"


def test_a_timestamp_from_the_future_is_rejected():
    with pytest.raises(WebhookVerificationError):
        verify_webhook(SECRET, headers_for(timestamp=int(time.time()) + 3600), BODY)


def test_a_changed_timestamp_breaks_the_signature():
    signed = sign_webhook(SECRET, BODY, timestamp=int(time.time()) - 10)
    forged = signed.replace(signed.split(",")[0], f"t={int(time.time())}")
    with pytest.raises(WebhookVerificationError, match="does not match"):
        verify_webhook(SECRET, {"X-GameBuddies-Signature": forged}, BODY)


def test_another_secret_missing_or_malformed_headers_are_rejected():
    with pytest.raises(WebhookVerificationError):
        verify_webhook("whsec_other", headers_for(), BODY)
    for headers in ({}, {"X-GameBuddies-Signature": ""}, {"X-GameBuddies-Signature": "t=abc,v1=00"}):
        with pytest.raises(WebhookVerificationError):
            verify_webhook(SECRET, headers, BODY)


def test_any_matching_v1_entry_is_accepted_during_secret_rotation():
    now = int(time.time())
    old = sign_webhook("whsec_old", BODY, now)
    new = sign_webhook(SECRET, BODY, now)
    header = f"{old},v1={new.split('v1=')[1]}"
    assert verify_webhook(SECRET, {"X-GameBuddies-Signature": header}, BODY).id == "evt_1"


def test_django_request_meta_works_as_headers():
    meta = {"HTTP_X_GAMEBUDDIES_SIGNATURE": sign_webhook(SECRET, BODY)}
    assert verify_webhook(SECRET, meta, BODY.decode()).type == "game.ended"
