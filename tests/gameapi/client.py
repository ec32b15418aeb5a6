"""Calling the Game API as a game server does: keys made through the real services, JSON bodies,
and the one error envelope checked. Shared by the Game API's tests and others that call it."""

from __future__ import annotations

import json

from django.test import Client

from gameapi.models import ALL_SCOPES
from gameapi.services import api_key_create

API = "/api/v2"


class ApiClient:
    """Django's test client with the key header, JSON bodies and the envelope at hand."""

    def __init__(self, raw_key: str | None = None, *, ip: str = "203.0.113.7"):
        self.raw_key = raw_key
        self.client = Client(REMOTE_ADDR=ip)

    def _headers(self, headers: dict | None, key: str | None) -> dict:
        merged = {}
        key = self.raw_key if key is None else key
        if key:
            merged["X-API-Key"] = key
        merged.update(headers or {})
        return merged

    def get(self, path: str, *, headers: dict | None = None, key: str | None = None, **query):
        return self.client.get(API + path, query or None, headers=self._headers(headers, key))

    def send(self, method: str, path: str, body=None, *, headers=None, key=None, raw: bytes | None = None, **extra):
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        return self.client.generic(
            method, API + path, data, content_type="application/json", headers=self._headers(headers, key), **extra
        )

    def post(self, path: str, body=None, **kwargs):
        return self.send("POST", path, body, **kwargs)

    def put(self, path: str, body=None, **kwargs):
        return self.send("PUT", path, body, **kwargs)


def make_key(*, scopes=None, game_slug=None, rate_limits=None, service="test-game", expires_days=None):
    issued = api_key_create(
        service_name=service,
        scopes=list(ALL_SCOPES) if scopes is None else scopes,
        game_slug=game_slug,
        rate_limits=rate_limits,
        expires_days=expires_days,
    )
    return issued.raw_key, issued.api_key


def assert_envelope(response, code: str, status: int) -> dict:
    """The one error envelope, with its request id matching the X-Request-Id header."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["retryable"], bool)
    assert body["timestamp"].endswith("Z")
    assert body["requestId"] and body["requestId"] == response["X-Request-Id"]
    return body
