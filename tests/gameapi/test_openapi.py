"""The OpenAPI 3 schema documents every endpoint with examples, and the docs page needs no CDN or inline code."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from gameapi.openapi.errors import ERRORS

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v2/health"),
    ("get", "/api/v2/keys/validate"),
    ("post", "/api/v2/sessions/validate"),
    ("post", "/api/v2/rooms"),
    ("get", "/api/v2/rooms/{room_code}"),
    ("post", "/api/v2/rooms/{room_code}/players"),
    ("post", "/api/v2/rooms/{room_code}/players/{player_id}/status"),
    ("post", "/api/v2/rooms/{room_code}/players/{player_id}/heartbeat"),
    ("post", "/api/v2/rooms/{room_code}/bulk-status"),
    ("post", "/api/v2/rooms/{room_code}/game-start"),
    ("post", "/api/v2/rooms/{room_code}/game-end"),
    ("put", "/api/v2/rooms/{room_code}/game-state"),
    ("get", "/api/v2/rooms/{room_code}/game-state"),
    ("get", "/api/v2/rooms/{room_code}/events"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/v2/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def game_api_operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith("/api/v2/"):
            for method, operation in item.items():
                yield method, path, operation


def test_schema_is_openapi_3_and_lists_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    assert {(m, p) for m, p, _ in game_api_operations(schema)} == OPERATIONS
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }


def test_every_endpoint_has_a_success_example_and_every_error_code_has_one(schema):
    seen_codes = set()
    for method, path, operation in game_api_operations(schema):
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert success, (method, path)
        for status in success:
            assert operation["responses"][status]["content"]["application/json"]["examples"], (method, path)
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                for example in response["content"]["application/json"]["examples"].values():
                    assert example["value"]["code"] in ERRORS
                    assert ERRORS[example["value"]["code"]][0] == int(status)
                    seen_codes.add(example["value"]["code"])
        if method in ("post", "put"):
            assert operation["requestBody"]["content"]["application/json"]["examples"], (method, path)
            assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    assert seen_codes == set(ERRORS)


def test_only_health_is_public(schema):
    for method, path, operation in game_api_operations(schema):
        if path == "/api/v2/health":
            assert not operation.get("security")
        else:
            assert operation["security"] == [{"ApiKeyAuth": []}], (method, path)


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.links, self.inline = [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs.get("src"))
            self._in_script = True
        elif tag == "style" or "style" in attrs:
            self.styles.append(tag)
        elif tag == "link":
            self.links.append(attrs.get("href"))
        if any(name.startswith("on") for name in attrs):
            self.inline.append(tag)

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data)


def test_docs_page_loads_only_own_static_assets_and_no_inline_code():
    client = Client()
    response = client.get("/api/v2/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = _Assets()
    assets.feed(html)
    assert assets.scripts and all(src and src.startswith("/") and not src.startswith("//") for src in assets.scripts)
    assert all(href.startswith("/") and not href.startswith("//") for href in assets.links)
    assert not assets.styles and not assets.inline
    assert not re.search(r"https?://", html)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for src in assets.scripts + assets.links:
        path = src.split("?")[0]
        if path.startswith("/static/"):
            assert finders.find(path.removeprefix("/static/")), path
    init = client.get(next(src for src in assets.scripts if "script" in src))
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "/api/v2/schema/" in init.content.decode()
