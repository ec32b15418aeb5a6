"""Webhook signatures: HMAC over timestamp and body; secrets encrypted at rest (issue: integrations)."""

import time

from gameapi.webhooks.signing import (
    decrypt_secret,
    encrypt_secret,
    new_webhook_secret,
    signature_header,
    verify_signature,
)


def test_a_signed_body_verifies_and_a_tampered_body_does_not():
    secret = new_webhook_secret()
    body = b'{"type":"room.created","roomVersion":1}'
    header = signature_header(secret, body)
    assert verify_signature(secret, header, body)
    assert not verify_signature(secret, header, body.replace(b"1", b"2"))
    assert not verify_signature(new_webhook_secret(), header, body)


def test_an_old_timestamp_is_refused_even_with_a_valid_mac():
    secret = new_webhook_secret()
    body = b"{}"
    old = signature_header(secret, body, timestamp=int(time.time()) - 3600)
    assert not verify_signature(secret, old, body)
    assert verify_signature(secret, old, body, tolerance=7200)


def test_malformed_headers_are_refused():
    for header in ("", "t=abc,v1=00", "v1=00", "t=1"):
        assert not verify_signature("whsec_x", header, b"{}")


def test_secrets_are_stored_encrypted_and_round_trip():
    secret = new_webhook_secret()
    stored = encrypt_secret(secret)
    assert secret not in stored and decrypt_secret(stored) == secret
