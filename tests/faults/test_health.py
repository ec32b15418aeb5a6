"""Liveness has no I/O; readiness names what is down (503) and recovers by itself."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.live import free_port, running_server

from .redis_server import ThrowawayRedis

pytestmark = [pytest.mark.django_db]


def test_healthz_is_liveness_and_touches_no_database():
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert len(queries) == 0


@pytest.mark.redis
@pytest.mark.postgres
def test_readyz_and_api_health_are_200_with_every_check_ok():
    ready = Client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "cache": "ok"}}
    health = Client().get("/api/v2/health")
    assert health.status_code == 200
    body = health.json()
    assert (body["status"], body["version"], body["checks"]) == ("healthy", "2.0", {"database": "ok", "cache": "ok"})
    assert body["timestamp"].endswith("Z")


@pytest.mark.redis
def test_readiness_is_503_naming_redis_while_it_is_down_and_200_once_it_is_back(settings):
    server = ThrowawayRedis()
    settings.REDIS_URL = server.url  # readiness pings REDIS_URL; nothing listens there yet
    try:
        ready = Client().get("/readyz")
        assert ready.status_code == 503 and int(ready["Retry-After"]) > 0
        assert ready.json() == {"status": "unavailable", "checks": {"database": "ok", "cache": "down"}}
        health = Client().get("/api/v2/health")
        assert health.status_code == 503
        assert (health.json()["status"], health.json()["checks"]["cache"]) == ("unavailable", "down")
        server.start()
        assert Client().get("/readyz").status_code == 200
        assert Client().get("/api/v2/health").json()["status"] == "healthy"
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_database_is_unreachable_is_alive_but_not_ready():
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"
    with running_server(env={"DATABASE_URL": nowhere, "REDIS_URL": ""}) as url:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310 - loopback
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/readyz", timeout=10)  # noqa: S310 - loopback
        assert refused.value.code == 503
        assert json.loads(refused.value.read()) == {"status": "unavailable", "checks": {"database": "down"}}
