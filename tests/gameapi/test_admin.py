"""The admin lists keys and requests without ever showing a key or its hash, and can revoke keys."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from gameapi import request_log
from gameapi.models import ApiKey

from .conftest import ApiClient, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_key_pages_show_the_prefix_but_never_the_key_or_its_hash(admin_client):
    raw, key = make_key(service="quiz-server")
    ApiClient(raw).get("/keys/validate")
    request_log.flush()
    pages = [
        admin_client.get("/admin/gameapi/apikey/"),
        admin_client.get(f"/admin/gameapi/apikey/{key.pk}/change/"),
        admin_client.get("/admin/gameapi/apirequest/"),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert raw not in html and key.key_hash not in html
    assert key.key_prefix in pages[0].content.decode()


def test_revoke_action_stops_the_key(admin_client):
    raw, key = make_key()
    admin_client.post("/admin/gameapi/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert ApiKey.objects.get(pk=key.pk).is_active is False
    assert ApiClient(raw).get("/keys/validate").status_code == 401
