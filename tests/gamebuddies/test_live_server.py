"""The real ASGI server used by end-to-end tests serves the app over the test database."""

import json
import urllib.request

import pytest

from rooms.models import Room
from tests.factories import make_room


@pytest.mark.slow
def test_live_server_sees_rows_committed_by_the_test(live_server_url):
    room, _ = make_room()
    with urllib.request.urlopen(f"{live_server_url}/healthz") as response:  # noqa: S310
        assert json.load(response) == {"status": "ok"}
    assert Room.objects.filter(pk=room.pk).exists()
