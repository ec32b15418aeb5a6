"""The admin for keys, the request log and webhooks (issue 19): every action and page needs its
permission, changes go through the services and are audited without secrets, no key or hash
is ever shown after issue, and edits take effect on the next request despite the key cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gameapi import request_log
from gameapi.models import ApiKey, ApiRequest
from gameapi.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from gameapi.webhooks.services import webhook_endpoint_create
from gameapi.webhooks.signing import decrypt_secret
from tests.factories import make_room
from tests.staff import action_names, log_messages, staff_client

from .client import ApiClient, make_key

pytestmark = pytest.mark.django_db

KEYS = "admin:gameapi_apikey_changelist"
ENDPOINTS = "admin:gameapi_webhookendpoint_changelist"
DELIVERIES = "admin:gameapi_webhookdelivery_changelist"
VIEW = ("gameapi.view_apikey", "gameapi.view_webhookendpoint", "gameapi.view_webhookdelivery")
HOOK_URL = "https://127.0.0.1:9/hook"


@pytest.fixture(autouse=True)
def _loopback_webhooks_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the test endpoints live on loopback


@dataclass
class World:
    raw: str
    key: ApiKey
    secret: str
    endpoint: WebhookEndpoint
    delivery: WebhookDelivery


@pytest.fixture
def world() -> World:
    raw, key = make_key(service="quiz-server")
    created = webhook_endpoint_create(api_key=key, url=HOOK_URL, event_types=["game.ended"])
    room, _ = make_room()
    delivery = WebhookDelivery.objects.create(
        endpoint=created.endpoint,
        event_type="game.ended",
        room=room,
        room_code=room.room_code,
        room_version=1,
        payload={},
        status="delivered",
        attempts=1,
        delivered_at=timezone.now(),
    )
    WebhookAttempt.objects.create(delivery=delivery, status_code=204, duration_ms=87.4)
    return World(raw, key, created.secret, created.endpoint, delivery)


def key_now(world) -> ApiKey:
    return ApiKey.objects.get(pk=world.key.pk)


def key_form(world, **changes) -> dict:
    data = {"scopes": list(world.key.scopes), "rate_limits": "{}"}
    data.update(changes)
    return data


def endpoint_form(world, **changes) -> dict:
    data = {"url": world.endpoint.url, "event_types": list(world.endpoint.event_types), "is_active": "on"}
    data.update(changes)
    return data


@dataclass
class StaffAction:
    name: str
    permission: str
    send: Callable  # (client, world) -> response
    done: Callable  # (world) -> bool


ACTIONS = [
    StaffAction(
        "issue page",
        "gameapi.issue_apikey",
        lambda c, w: c.post(
            reverse("admin:gameapi_apikey_issue"),
            {"service_name": "new-game", "scopes": ["rooms:read"], "expires_days": 30},
        ),
        lambda w: ApiKey.objects.filter(service_name="new-game").exists(),
    ),
    StaffAction(
        "rotate action",
        "gameapi.rotate_apikey",
        lambda c, w: c.post(reverse(KEYS), {"action": "rotate", "_selected_action": [w.key.pk]}),
        lambda w: ApiKey.objects.filter(rotated_from=w.key).exists(),
    ),
    StaffAction(
        "revoke action",
        "gameapi.revoke_apikey",
        lambda c, w: c.post(reverse(KEYS), {"action": "revoke", "_selected_action": [w.key.pk]}),
        lambda w: not key_now(w).is_active,
    ),
    StaffAction(
        "extend action",
        "gameapi.change_apikey",
        lambda c, w: c.post(reverse(KEYS), {"action": "extend_30_days", "_selected_action": [w.key.pk]}),
        lambda w: key_now(w).expires_at > w.key.expires_at + timedelta(days=29),
    ),
    StaffAction(
        "edit key",
        "gameapi.change_apikey",
        lambda c, w: c.post(
            reverse("admin:gameapi_apikey_change", args=[w.key.pk]), key_form(w, scopes=["rooms:read"])
        ),
        lambda w: key_now(w).scopes == ["rooms:read"],
    ),
    StaffAction(
        "add endpoint page",
        "gameapi.manage_webhooks",
        lambda c, w: c.post(
            reverse("admin:gameapi_webhookendpoint_add"), {"api_key": w.key.pk, "url": "https://127.0.0.1:9/other"}
        ),
        lambda w: WebhookEndpoint.objects.filter(url="https://127.0.0.1:9/other").exists(),
    ),
    StaffAction(
        "edit endpoint",
        "gameapi.manage_webhooks",
        lambda c, w: c.post(
            reverse("admin:gameapi_webhookendpoint_change", args=[w.endpoint.pk]),
            endpoint_form(w, event_types=["room.closed", "game.ended"]),
        ),
        lambda w: WebhookEndpoint.objects.get(pk=w.endpoint.pk).event_types == ["game.ended", "room.closed"],
    ),
    StaffAction(
        "deactivate action",
        "gameapi.manage_webhooks",
        lambda c, w: c.post(reverse(ENDPOINTS), {"action": "deactivate", "_selected_action": [w.endpoint.pk]}),
        lambda w: not WebhookEndpoint.objects.get(pk=w.endpoint.pk).is_active,
    ),
    StaffAction(
        "rotate secret action",
        "gameapi.manage_webhooks",
        lambda c, w: c.post(reverse(ENDPOINTS), {"action": "rotate_secret", "_selected_action": [w.endpoint.pk]}),
        lambda w: decrypt_secret(WebhookEndpoint.objects.get(pk=w.endpoint.pk).secret_encrypted) != w.secret,
    ),
    StaffAction(
        "redeliver action",
        "gameapi.manage_webhooks",
        lambda c, w: c.post(reverse(DELIVERIES), {"action": "redeliver_selected", "_selected_action": [w.delivery.pk]}),
        lambda w: WebhookDelivery.objects.get(pk=w.delivery.pk).status == "pending",
    ),
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_staff_without_the_permission_cannot_act_and_nothing_changes(action, world):
    others = {a.permission for a in ACTIONS} - {action.permission}
    response = action.send(staff_client("clerk", *VIEW, *others), world)
    assert response.status_code in (200, 302, 403)  # 403, or an action the changelist does not offer
    assert not action.done(world)
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_staff_with_the_permission_act_and_it_is_audited_without_secrets(action, world):
    response = action.send(staff_client("integrator", *VIEW, action.permission), world)
    assert response.status_code in (200, 302)
    assert action.done(world)
    entries = LogEntry.objects.filter(user__username="integrator")
    assert entries.exists()
    shown = response.content.decode()
    for entry in entries:
        text = f"{entry.object_repr} {entry.change_message}"
        assert world.raw not in text and world.key.key_hash not in text and world.secret not in text
        assert "gb_" not in text or "…" in text  # a key appears as its prefix only
        for secret in _secrets_shown(shown):
            assert secret not in text


def _secrets_shown(html: str) -> list[str]:
    import re

    return re.findall(r'class="shown-once__value">([^<]+)<', html)


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("admin:gameapi_apikey_issue"),
        lambda w: reverse("admin:gameapi_webhookendpoint_add"),
    ],
    ids=["issue page", "add endpoint page"],
)
def test_custom_pages_answer_403_without_their_permission(url, world):
    assert staff_client("viewer", *VIEW).get(url(world)).status_code == 403


def test_view_only_staff_see_keys_and_webhooks_but_are_offered_nothing_and_change_nothing(world):
    client = staff_client("viewer", *VIEW)
    listing = client.get(reverse(KEYS))
    assert listing.status_code == 200 and world.key.key_prefix in listing.content.decode()
    assert "Issue an API key" not in listing.content.decode()
    assert action_names(listing) == set()
    assert action_names(client.get(reverse(ENDPOINTS))) == set()
    assert action_names(client.get(reverse(DELIVERIES))) == set()
    page = client.get(reverse("admin:gameapi_apikey_change", args=[world.key.pk]))
    assert page.status_code == 200 and 'name="scopes"' not in page.content.decode()
    edit = client.post(reverse("admin:gameapi_apikey_change", args=[world.key.pk]), key_form(world, scopes=[]))
    assert edit.status_code == 403 and key_now(world).scopes == world.key.scopes
    hook = client.post(
        reverse("admin:gameapi_webhookendpoint_change", args=[world.endpoint.pk]), endpoint_form(world, is_active="")
    )
    assert hook.status_code == 403 and WebhookEndpoint.objects.get(pk=world.endpoint.pk).is_active


def test_staff_without_the_view_permission_do_not_see_keys_or_webhooks(world):
    client = staff_client("nobody")
    for name in (KEYS, ENDPOINTS, DELIVERIES, "admin:gameapi_apirequest_changelist"):
        assert client.get(reverse(name)).status_code == 403


# -- keys -------------------------------------------------------------------------------------
def test_key_pages_show_the_prefix_but_never_the_key_or_its_hash(world):
    ApiClient(world.raw).get("/keys/validate")
    request_log.flush()
    client = staff_client("root", superuser=True)
    pages = [
        client.get(reverse(KEYS)),
        client.get(reverse("admin:gameapi_apikey_change", args=[world.key.pk])),
        client.get(reverse("admin:gameapi_apirequest_changelist")),
        client.get(reverse("admin:gameapi_apikey_history", args=[world.key.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert world.raw not in html and world.key.key_hash not in html
    assert world.key.key_prefix in pages[0].content.decode()


def test_key_list_shows_scopes_and_requests_of_the_last_24_hours(world):
    now = timezone.now()
    for age in (timedelta(minutes=5), timedelta(hours=23), timedelta(hours=25), timedelta(days=3)):
        ApiRequest.objects.create(
            api_key=world.key,
            method="GET",
            path="/api/v2/rooms/X",
            status_code=200,
            duration_ms=1,
            request_id="r",
            created_at=now - age,
        )
    page = staff_client("viewer", *VIEW).get(reverse(KEYS))
    row = next(k for k in page.context["cl"].result_list if k.pk == world.key.pk)
    assert row.requests_24h == 2
    html = page.content.decode()
    assert ", ".join(world.key.scopes) in html


def test_key_list_costs_the_same_queries_for_many_keys(world):
    client = staff_client("viewer", *VIEW)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(KEYS)).status_code == 200
    for index in range(10):
        _raw, key = make_key(service=f"game-{index}")
        ApiRequest.objects.create(
            api_key=key, method="GET", path="/api/v2/rooms", status_code=200, duration_ms=1, request_id="r"
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(KEYS)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_shown_once_page_has_a_copy_button_from_a_static_script_and_no_inline_script(world):
    client = staff_client("integrator", *VIEW, "gameapi.issue_apikey")
    page = client.post(
        reverse("admin:gameapi_apikey_issue"), {"service_name": "copy-me", "scopes": ["rooms:read"], "expires_days": 5}
    )
    html = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert 'data-copy-target="secret-1"' in html and 'id="secret-1"' in html
    assert "/static/gameapi/admin-copy.js" in html
    assert "<script>" not in html and " onclick=" not in html
    assert log_messages(ApiKey.objects.get(service_name="copy-me")) == [
        f"Issued {ApiKey.objects.get(service_name='copy-me').key_prefix}… with scopes rooms:read"
    ]


def test_edited_scopes_apply_to_the_next_request_despite_the_key_cache(world, django_capture_on_commit_callbacks):
    api = ApiClient(world.raw)
    assert api.get("/keys/validate").json()["scopes"] == sorted(world.key.scopes)  # now cached
    client = staff_client("integrator", *VIEW, "gameapi.change_apikey")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:gameapi_apikey_change", args=[world.key.pk]), key_form(world, scopes=["rooms:read"]))
    assert api.get("/keys/validate").json()["scopes"] == ["rooms:read"]
    assert log_messages(world.key) == ["Changed scopes."]


def test_a_rate_override_applies_to_the_next_request_and_bad_ones_are_refused(
    world, django_capture_on_commit_callbacks
):
    api = ApiClient(world.raw)
    assert api.get("/keys/validate").status_code == 200  # the key is cached now
    client = staff_client("integrator", *VIEW, "gameapi.change_apikey")
    url = reverse("admin:gameapi_apikey_change", args=[world.key.pk])
    refused = client.post(url, key_form(world, rate_limits='{"validation": "lots"}'))
    assert refused.status_code == 200 and "must look like 120/m" in refused.content.decode()
    unknown = client.post(url, key_form(world, rate_limits='{"warp": "1/m"}'))
    assert "Unknown rate tier warp" in unknown.content.decode()
    assert key_now(world).rate_limits == {}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, key_form(world, rate_limits='{"validation": "1/m"}'))
    assert key_now(world).rate_limits == {"validation": "1/m"}
    assert api.get("/keys/validate").status_code == 200
    assert api.get("/keys/validate").status_code == 429


def test_extending_expiry_moves_it_and_is_audited(world):
    before = key_now(world).expires_at
    client = staff_client("integrator", *VIEW, "gameapi.change_apikey")
    client.post(reverse(KEYS), {"action": "extend_365_days", "_selected_action": [world.key.pk]})
    after = key_now(world).expires_at
    assert after - before == timedelta(days=365)
    assert log_messages(world.key) == [f"Extended expiry by 365 days to {after:%Y-%m-%d %H:%M} UTC"]


def test_revoking_stops_the_key_at_once_and_names_who_did_it(world):
    api = ApiClient(world.raw)
    assert api.get("/keys/validate").status_code == 200
    staff_client("integrator", *VIEW, "gameapi.revoke_apikey").post(
        reverse(KEYS), {"action": "revoke", "_selected_action": [world.key.pk]}
    )
    assert api.get("/keys/validate").status_code == 401
    entry = LogEntry.objects.get(object_id=str(world.key.pk), content_type__model="apikey")
    assert entry.user.username == "integrator" and entry.change_message == "Revoked"


# -- webhooks ---------------------------------------------------------------------------------
def test_an_endpoint_url_is_checked_again_against_the_ssrf_rules(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client = staff_client("integrator", *VIEW, "gameapi.manage_webhooks")
    page = client.post(
        reverse("admin:gameapi_webhookendpoint_change", args=[world.endpoint.pk]),
        endpoint_form(world, url="https://169.254.169.254/latest"),
    )
    assert page.status_code == 200 and "private or local address" in page.content.decode()
    assert WebhookEndpoint.objects.get(pk=world.endpoint.pk).url == HOOK_URL
    assert not LogEntry.objects.exists()


def test_rotating_the_signing_secret_shows_it_once_and_signs_with_it_from_then_on(world):
    client = staff_client("integrator", *VIEW, "gameapi.manage_webhooks")
    page = client.post(reverse(ENDPOINTS), {"action": "rotate_secret", "_selected_action": [world.endpoint.pk]})
    [shown] = _secrets_shown(page.content.decode())
    assert "no-store" in page["Cache-Control"]
    assert decrypt_secret(WebhookEndpoint.objects.get(pk=world.endpoint.pk).secret_encrypted) == shown
    assert log_messages(world.endpoint) == ["Rotated the signing secret"]
    again = client.get(reverse("admin:gameapi_webhookendpoint_change", args=[world.endpoint.pk]))
    assert shown not in again.content.decode()


def test_the_endpoint_page_lists_recent_deliveries_with_status_and_response_time(world):
    page = staff_client("viewer", *VIEW).get(reverse("admin:gameapi_webhookendpoint_change", args=[world.endpoint.pk]))
    html = page.content.decode()
    assert "game.ended" in html and "delivered" in html and "204" in html and "87 ms" in html
    deliveries = staff_client("viewer2", *VIEW).get(reverse(DELIVERIES)).content.decode()
    assert "87 ms" in deliveries


def test_redelivery_is_audited_on_the_delivery(world):
    client = staff_client("integrator", *VIEW, "gameapi.manage_webhooks")
    client.post(reverse(DELIVERIES), {"action": "redeliver_selected", "_selected_action": [world.delivery.pk]})
    assert WebhookDelivery.objects.get(pk=world.delivery.pk).status == "pending"
    assert log_messages(world.delivery) == ["Queued for redelivery"]


# -- the request log ----------------------------------------------------------------------------
def test_the_request_log_filters_by_key_status_method_and_route(world):
    _raw, other = make_key(service="other-game")
    rows = [
        (world.key, "GET", "/api/v2/rooms/ABCDEF", 200),
        (world.key, "POST", "/api/v2/rooms/ABCDEF/players/0f0f/status", 429),
        (other, "POST", "/api/v2/rooms/ABCDEF/players/0f0f/status", 200),
    ]
    for key, method, path, status in rows:
        ApiRequest.objects.create(
            api_key=key, method=method, path=path, status_code=status, duration_ms=1, request_id="r"
        )
    client = staff_client("viewer", "gameapi.view_apirequest")

    def listed(**query) -> int:
        return client.get(reverse("admin:gameapi_apirequest_changelist"), query).context["cl"].result_count

    assert listed() == 3
    assert listed(api_key__id__exact=other.pk) == 1
    assert listed(api_key__id__exact=world.key.pk, status_code__exact=429) == 1
    assert listed(method__exact="POST", route="status") == 2
    assert listed(route="room") == 1


def test_the_add_endpoint_page_offers_only_keys_that_may_own_webhooks(world):
    _raw, reader = make_key(service="reader", scopes=["rooms:read"])
    client = staff_client("integrator", *VIEW, "gameapi.manage_webhooks")
    page = client.get(reverse("admin:gameapi_webhookendpoint_add"))
    offered = {key.pk for key in page.context["form"].fields["api_key"].queryset}
    assert world.key.pk in offered and reader.pk not in offered
    refused = client.post(
        reverse("admin:gameapi_webhookendpoint_add"), {"api_key": reader.pk, "url": "https://127.0.0.1:9/other"}
    )
    assert refused.status_code == 200 and not WebhookEndpoint.objects.filter(api_key=reader).exists()
