"""Admin login guessing is limited and logged without passwords; metrics are not public (issue: security)."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_admin_login_is_rate_limited_per_username_and_failures_are_logged_without_password(client, caplog):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "right-password-123")
    caplog.set_level(logging.WARNING, logger="gamebuddies.security")
    statuses = [
        client.post("/admin/login/", {"username": "boss", "password": f"guess-{i}"}).status_code for i in range(7)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    assert "login failed username=boss" in caplog.text
    assert "guess-" not in caplog.text
    # The right password is refused too while the window lasts.
    assert client.post("/admin/login/", {"username": "boss", "password": "right-password-123"}).status_code == 429


def test_metrics_are_served_to_loopback_only(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


@override_settings(TRUSTED_PROXY_IP_HEADER="")
def test_forwarded_for_is_ignored_unless_a_proxy_header_is_configured(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403
