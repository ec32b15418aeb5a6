"""The room-code guessing limit is shared by every server process (issue: security).

Two separate Uvicorn servers (two processes, two ports) share PostgreSQL and Redis; unknown
codes tried on either count against the same per-IP budget.
"""

import random
import urllib.error
import urllib.request

import pytest

from rooms.models import ROOM_CODE_ALPHABET
from tests.factories import make_room
from tests.live import running_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _status(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback test server
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def _random_code() -> str:
    return "".join(random.choice(ROOM_CODE_ALPHABET) for _ in range(6))  # noqa: S311


def test_forty_unknown_codes_from_one_ip_over_two_processes_end_in_429_but_others_still_get_in():
    room, _ = make_room()
    # The same 20 misses, counted per hour rather than per minute, so that the fixed window
    # cannot roll over half-way through the test; what is tested is that it is shared.
    proxy = {"TRUSTED_PROXY_IP_HEADER": "HTTP_X_FORWARDED_FOR", "ROOM_CODE_GUESS_RATE": "20/h"}
    with running_server(env=proxy) as first, running_server(env=proxy) as second:
        guesser = {"X-Forwarded-For": "198.51.100.7"}
        statuses = []
        for index in range(40):
            server = (first, second)[index % 2]
            statuses.append(_status(f"{server}/r/{_random_code()}", guesser))
        codes = [status for status, _ in statuses]
        assert codes[:20] == [404] * 20  # 20 misses, alternating between the two processes
        assert set(codes[20:]) == {429}
        assert all(int(headers.get("Retry-After", 0)) > 0 for status, headers in statuses if status == 429)
        # Blocked on every code route, known codes included, on both processes.
        assert _status(f"{first}/rooms/{room.room_code}/", guesser)[0] == 429
        assert _status(f"{second}/r/{room.room_code}", guesser)[0] == 429
        # Someone else is not affected.
        assert _status(f"{second}/r/{room.room_code}", {"X-Forwarded-For": "203.0.113.50"})[0] == 200
