"""One error envelope on every error path under /api/v2/, and X-Request-Id on every response."""

from __future__ import annotations

import pytest

from rooms import services
from rooms.models import Room, RoomMember
from tests.factories import make_room

from .client import assert_envelope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/nothing-here", "/rooms/ABCDEF/unknown", "/rooms/", "/"])
def test_unknown_api_paths_are_404_in_the_envelope(api, method, path):
    response = api.send(method, path, {"x": 1})
    assert_envelope(response, "NOT_FOUND", 404)


def test_unknown_paths_are_404_even_without_a_key(db):
    from .client import ApiClient

    assert_envelope(ApiClient().get("/secret-admin"), "NOT_FOUND", 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("GET", "/rooms", "POST"), ("DELETE", "/keys/validate", "GET"), ("OPTIONS", "/rooms", "POST")],
)
def test_unsupported_methods_are_405_with_allow(api, method, path, allowed):
    response = api.send(method, path)
    assert_envelope(response, "METHOD_NOT_ALLOWED", 405)
    assert allowed in response["Allow"]


def test_wrong_content_type_is_400_on_body(api):
    response = api.client.post(
        "/api/v2/rooms", "hostName=Mia", content_type="text/plain", headers={"X-API-Key": api.raw_key}
    )
    assert assert_envelope(response, "VALIDATION_ERROR", 400)["field"] == "body"


def test_body_over_the_limit_is_413_and_changes_nothing(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    room, seats = make_room(players=2)
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    response = api.post(path, {"status": "lobby", "metadata": {"pad": "x" * 3000}})
    assert_envelope(response, "PAYLOAD_TOO_LARGE", 413)
    assert Room.objects.get(pk=room.pk).version == room.version


def test_413_is_answered_before_the_key_is_checked(db, settings):
    from .client import ApiClient

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    assert_envelope(ApiClient().post("/rooms", {"hostName": "x" * 2000}), "PAYLOAD_TOO_LARGE", 413)


def test_unexpected_exceptions_are_500_internal_error_without_internals(api, monkeypatch, caplog):
    room, _ = make_room()

    def explode(**kwargs):
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(services, "room_join", explode)
    response = api.post(f"/rooms/{room.room_code}/players", {"name": "Mia"})
    body = assert_envelope(response, "INTERNAL_ERROR", 500)
    assert "hunter2" not in response.content.decode() and "RuntimeError" not in response.content.decode()
    assert body["retryable"] is False
    assert RoomMember.objects.filter(room=room).count() == 1


def test_every_response_carries_a_request_id_and_echoes_a_safe_incoming_one(api):
    assert api.get("/health")["X-Request-Id"]
    assert api.get("/keys/validate", headers={"X-Request-Id": "client-trace-123"})["X-Request-Id"] == "client-trace-123"
    unsafe = api.get("/keys/validate", headers={"X-Request-Id": "<script>"})["X-Request-Id"]
    assert unsafe != "<script>" and len(unsafe) == 32


def test_health_needs_no_key_and_reports_version(db):
    from .client import ApiClient

    response = ApiClient().get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy" and response.json()["version"] == "2.0"
