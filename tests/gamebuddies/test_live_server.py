"""The real ASGI server used by end-to-end tests serves the app over the test database."""

import json
import urllib.request

import pytest

from tests.factories import make_room


@pytest.mark.slow
def test_live_server_sees_rows_committed_by_the_test(live_server_url):
    room, _ = make_room()
    with urllib.request.urlopen(f"{live_server_url}/healthz") as response:  # noqa: S310
        assert json.load(response) == {"status": "ok"}
    # The join-by-link page exists only for a room the server can read from the test database.
    with urllib.request.urlopen(f"{live_server_url}/r/{room.room_code}") as response:  # noqa: S310
        assert response.status == 200 and room.room_code in response.read().decode()
