"""API keys: generation, storage as hash only, authentication, scopes, expiry, revocation, rotation grace."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gameapi.keys import KEY_PATTERN, generate_key
from gameapi.models import ApiKey
from gameapi.selectors import forget_cached_key
from gameapi.services import api_key_revoke, api_key_rotate

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def test_generated_keys_are_gb_plus_64_hex_and_all_different():
    keys = {generate_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(KEY_PATTERN.fullmatch(k) for k in keys)


def test_only_the_hash_and_a_short_prefix_are_stored():
    raw, key = make_key()
    row = ApiKey.objects.get(pk=key.pk)
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.key_prefix == raw[:11] and raw.startswith(row.key_prefix)
    stored = " ".join(str(v) for v in ApiKey.objects.filter(pk=key.pk).values().first().values())
    assert raw not in stored


def test_new_keys_expire_after_a_year_by_default():
    _, key = make_key()
    assert timedelta(days=364) < key.expires_at - timezone.now() <= timedelta(days=365)


def test_validate_reports_service_scopes_game_and_expiry(quiz_game):
    raw, key = make_key(scopes=["rooms:read"], game_slug="quiz", service="quiz-server")
    response = ApiClient(raw).get("/keys/validate")
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "service": "quiz-server",
        "scopes": ["rooms:read"],
        "game": "quiz",
        "expiresAt": key.expires_at.isoformat().replace("+00:00", "Z"),
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "nope"}, {"X-API-Key": "gb_" + "0" * 64}, {"X-API-Key": "gb_" + "A" * 64}],
    ids=["missing", "garbage", "unknown", "uppercase"],
)
def test_missing_or_bad_key_is_401_invalid_api_key(db, headers):
    response = ApiClient().get("/keys/validate", headers=headers)
    assert_envelope(response, "INVALID_API_KEY", 401)
    assert "X-API-Key" in response["WWW-Authenticate"]


def test_a_key_in_the_query_string_is_refused_even_when_valid():
    raw, _ = make_key()
    client = ApiClient()
    for name in ("api_key", "apiKey", "key", "x"):
        response = client.client.get(f"/api/v2/keys/validate?{name}={raw}")
        body = assert_envelope(response, "INVALID_API_KEY", 401)
        assert raw not in response.content.decode()
        assert "header" in body["error"]
    # Even alongside a valid header: the key already leaked into a URL, so the call is refused.
    response = client.client.get("/api/v2/keys/validate", {"api_key": raw}, headers={"X-API-Key": raw})
    assert_envelope(response, "INVALID_API_KEY", 401)


def test_expired_key_is_refused():
    raw, key = make_key()
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_envelope(ApiClient(raw).get("/keys/validate"), "INVALID_API_KEY", 401)


def test_revoked_key_is_refused():
    raw, key = make_key()
    api_key_revoke(api_key=key)
    assert_envelope(ApiClient(raw).get("/keys/validate"), "INVALID_API_KEY", 401)


def test_missing_scope_is_403_insufficient_scope_and_changes_nothing():
    raw, _ = make_key(scopes=["rooms:read"])
    response = ApiClient(raw).post("/rooms", {"hostName": "Mia"})
    body = assert_envelope(response, "INSUFFICIENT_SCOPE", 403)
    assert "rooms:write" in body["error"]
    from rooms.models import Room

    assert not Room.objects.exists()


def test_rotation_issues_a_new_key_with_same_scopes_and_old_key_works_until_grace_ends(quiz_game):
    old_raw, old = make_key(scopes=["rooms:read", "status:write"], game_slug="quiz", rate_limits={"status": "5/m"})
    issued = api_key_rotate(api_key=old, grace_days=7)
    new = issued.api_key
    assert (new.scopes, new.game_id, new.rate_limits, new.service_name) == (
        old.scopes,
        old.game_id,
        old.rate_limits,
        old.service_name,
    )
    assert new.rotated_from_id == old.pk and issued.raw_key != old_raw
    old.refresh_from_db()
    assert timedelta(days=6, hours=23) < old.grace_until - timezone.now() <= timedelta(days=7)
    assert ApiClient(old_raw).get("/keys/validate").status_code == 200
    assert ApiClient(issued.raw_key).get("/keys/validate").status_code == 200
    # The grace period ends (a row edit stands in for time passing; the authentication
    # cache holds the row, so it is told, as the services tell it on every key change).
    ApiKey.objects.filter(pk=old.pk).update(grace_until=timezone.now() - timedelta(seconds=1))
    forget_cached_key(old)
    assert_envelope(ApiClient(old_raw).get("/keys/validate"), "INVALID_API_KEY", 401)
    assert ApiClient(issued.raw_key).get("/keys/validate").status_code == 200


def test_a_key_cannot_be_rotated_twice():
    _, old = make_key()
    api_key_rotate(api_key=old)
    from gamebuddies.errors import ValidationError

    with pytest.raises(ValidationError):
        api_key_rotate(api_key=old)


def test_last_used_is_written_at_most_once_a_minute_per_key():
    raw, key = make_key()
    client = ApiClient(raw)
    client.get("/keys/validate")
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get("/keys/validate")
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first


def test_authentication_reads_a_key_once_then_serves_it_from_the_cache():
    raw, _ = make_key()
    client = ApiClient(raw)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/keys/validate").status_code == 200
    assert [q for q in first.captured_queries if "api_keys" in q["sql"] and q["sql"].startswith("SELECT")]
    with CaptureQueriesContext(connection) as later:
        assert client.get("/keys/validate").status_code == 200
    assert len(later) == 0


def test_a_revoked_key_is_refused_at_once_despite_the_cache():
    raw, key = make_key()
    client = ApiClient(raw)
    assert client.get("/keys/validate").status_code == 200
    api_key_revoke(api_key=key)
    assert_envelope(client.get("/keys/validate"), "INVALID_API_KEY", 401)


def test_create_api_key_command_prints_the_raw_key_last(quiz_game):
    out = io.StringIO()
    call_command(
        "create_api_key",
        "--service",
        "quiz-server",
        "--scopes",
        "rooms:read,status:write",
        "--game",
        "quiz",
        "--expires-days",
        "30",
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    assert KEY_PATTERN.fullmatch(raw)
    key = ApiKey.objects.get(key_hash=hashlib.sha256(raw.encode()).hexdigest())
    assert key.scopes == ["rooms:read", "status:write"] and key.game_id == "quiz"
    assert timedelta(days=29) < key.expires_at - timezone.now() <= timedelta(days=30)
    assert ApiClient(raw).get("/keys/validate").json()["scopes"] == ["rooms:read", "status:write"]


def test_create_api_key_command_refuses_unknown_scopes():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("create_api_key", "--service", "x", "--scopes", "rooms:read,root", stdout=io.StringIO())
    assert not ApiKey.objects.exists()


def test_rotate_api_key_command_prints_the_new_key_last_and_keeps_the_old_one_for_the_grace():
    old_raw, old = make_key(scopes=["rooms:read"])
    out = io.StringIO()
    call_command("rotate_api_key", old.key_prefix, "--grace-days", "3", stdout=out)
    new_raw = out.getvalue().strip().splitlines()[-1]
    assert KEY_PATTERN.fullmatch(new_raw) and new_raw != old_raw
    assert old_raw not in out.getvalue()
    assert ApiClient(new_raw).get("/keys/validate").json()["scopes"] == ["rooms:read"]
    assert ApiClient(old_raw).get("/keys/validate").status_code == 200
    old.refresh_from_db()
    assert re.search(r"\d{4}-\d\d-\d\d", out.getvalue())
    assert timedelta(days=2, hours=23) < old.grace_until - timezone.now() <= timedelta(days=3)
