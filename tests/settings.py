"""Settings of the test process: the project's own, with each pytest-xdist worker on Redis of its own.

tests/conftest.py clears the cache before every test, and the cache is a whole Redis database
(FLUSHDB), so two workers sharing one would wipe each other's keys mid-test; the pub/sub
channel layer ignores database numbers, so each worker also gets its own channel prefix.
Worker gwN takes the database N below REDIS_URL's (15, 14, ... for `make test`'s default 15;
never 0, the database a development server uses). This runs before gamebuddies.settings reads
the environment, and writes the result back to it, so the live servers and scripts a test
starts share their worker's database. PostgreSQL and SQLite need nothing here: pytest-django
gives each worker its own test database (suffix _gw0, _gw1, ...).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_APPLIED_FOR = "GB_TEST_REDIS_WORKER"  # set once done, so a subprocess importing this module keeps it


def give_this_worker_its_own_redis(environ) -> None:
    worker, url = environ.get("PYTEST_XDIST_WORKER"), environ.get("REDIS_URL")
    if not worker or not url or environ.get(_APPLIED_FOR) == worker:
        return
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))
    if database < 1:
        raise ImproperlyConfigured(
            f"xdist worker {worker} would use Redis database {database}: start REDIS_URL's database higher"
        )
    environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
    environ["CHANNEL_PREFIX"] = f"{environ.get('CHANNEL_PREFIX', 'gb')}-{worker}"
    environ[_APPLIED_FOR] = worker


give_this_worker_its_own_redis(os.environ)

from gamebuddies.settings import *  # noqa: E402, F403
