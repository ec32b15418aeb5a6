"""HTTP requests survive a lost PostgreSQL connection; outages answer 503, never 500.

- A dead pooled connection is never used: every connection Django takes from the psycopg
  pool answers an empty query first (`connection_created`, connected in every process by
  gamebuddies/apps.py). When one does not (its backend was terminated while it sat idle: a
  failover, pg_terminate_backend, a server restart), it goes back to the pool to be dropped,
  every idle connection is tested at once (`pool.check()`, which drops the dead ones and
  opens replacements) and a live one takes its place, before any statement of the caller.
  psycopg_pool's own `check` on checkout (CONN_HEALTH_CHECKS) is not used: with several dead
  connections queued it sleeps 1 s, 2 s, 4 s between them, so requests waited out the pool
  timeout (measured: p90 10 s under repeated terminations). Django 5.2 passes `check` itself,
  so it cannot be changed in OPTIONS["pool"] either.
- `DatabaseRetryMiddleware` runs a request once more, on a fresh connection, when its
  connection was lost (backend terminated, server restarted, network cut) before any of
  its transactions tried to COMMIT. Every write here is one transaction, so a request
  that committed nothing changed nothing (single autocommit statements such as the API
  key's last-used stamp are idempotent). Once a COMMIT was attempted the outcome may be
  unknown, so the request is not re-run; the client gets the 503 and retries (with its
  Idempotency-Key on the Game API).
- A re-run is the same request, admitted once: rate-limit buckets its first run was counted
  in are not counted again (`count_once`, used by the Game API's rate tiers).
- Otherwise a PostgreSQL or Redis fault becomes 503 SERVICE_UNAVAILABLE with `retryable:
  true` and Retry-After: the JSON envelope under /api/, a plain page elsewhere.

The middleware sits near the top of MIDDLEWARE so the second run goes through the
session, CSRF and auth middleware again; the body is read into memory before the first
run so both runs parse the same bytes.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import RequestDataTooBig
from django.core.signals import got_request_exception
from django.db import connections
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.template.loader import render_to_string
from psycopg_pool import PoolTimeout

from gamebuddies import pg
from gamebuddies.errors import ServiceUnavailableError, as_platform_error, error_response
from gamebuddies.outages import is_connection_lost, note_outage, outage_cause, take_noted_outage

logger = logging.getLogger(__name__)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_SWAPS = 3


def unavailable_response(request, error: ServiceUnavailableError) -> HttpResponse:
    """The 503 a client sees: the error envelope for the API, a plain page for people."""
    if request.path.startswith("/api/"):
        return error_response(error, request)
    # No request context: the page must not need the session (the database may be down).
    html = render_to_string("errors/503.html", {"retry_after": error.retry_after})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(error.retry_after)
    return response


class DatabaseRetryMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        take_noted_outage()  # nothing carried over from an earlier request in this context
        admissions = _Admissions()
        token = _admissions.set(admissions)
        try:
            return self._serve(request, admissions)
        finally:
            _admissions.reset(token)

    def _serve(self, request, admissions: _Admissions):
        replayable = _buffer_body(request)
        with _failing_fast(), _counting_commits() as commits:
            response = self.get_response(request)
        outage = take_noted_outage()
        if outage is None or response.status_code < 500:
            return response
        _drop_broken_connections()
        if replayable and commits.attempted == 0 and is_connection_lost(outage):
            logger.warning(
                "database connection lost before commit; running %s %s once more", request.method, request.path
            )
            _purge_dead_idle_connections()  # the same fault usually took the idle ones too
            admissions.rerun()
            with _failing_fast():
                response = self.get_response(request)
            outage = take_noted_outage()
            if outage is None or response.status_code < 500:
                return response
            _drop_broken_connections()
        if response.status_code != 503:
            # Raised where no handler could answer (e.g. a middleware after the view).
            response = unavailable_response(request, as_platform_error(outage))
        return response

    def process_exception(self, request, exception):
        if outage_cause(exception) is None:
            return None
        return unavailable_response(request, as_platform_error(exception))


class _Commits:
    attempted = 0


class _Admissions:
    """The rate-limit buckets this request was counted in, so its re-run counts in them once."""

    def __init__(self) -> None:
        self.counted: set = set()
        self.first_run: set = set()

    def rerun(self) -> None:
        self.first_run, self.counted = self.counted, set()


_admissions: ContextVar[_Admissions | None] = ContextVar("gamebuddies_rate_admissions", default=None)


def count_once(bucket) -> bool:
    """Should this request be counted in `bucket`? False only for the re-run of a request whose
    first run was already counted there: one request, one count, however often it runs."""
    admissions = _admissions.get()
    if admissions is None:
        return True
    if bucket in admissions.first_run:
        admissions.first_run.discard(bucket)
        admissions.counted.add(bucket)
        return False
    admissions.counted.add(bucket)
    return True


@contextmanager
def _counting_commits():
    """Count COMMITs attempted on this context's connections while the block runs.

    Django's Atomic calls `connection.commit()` for every outermost transaction; an instance
    attribute shadows the method for this request only (connections are per request context).
    """
    commits = _Commits()
    wrapped = []
    for conn in connections.all():

        def counted(original=conn.commit):
            commits.attempted += 1
            return original()

        conn.commit = counted
        wrapped.append(conn)
    try:
        yield commits
    finally:
        for conn in wrapped:
            conn.__dict__.pop("commit", None)


@contextmanager
def _failing_fast():
    """While PostgreSQL is known down, this request's new connections are refused at once
    (gamebuddies/pg.py's breaker) instead of each waiting out the pool's timeout on the
    worker's one thread; a checkout that times out with the pool's connection attempts failing
    opens the breaker. Per request, like `_counting_commits`: an instance attribute shadows
    the method on this context's connections."""
    wrapped = []
    for conn in connections.all():
        if getattr(conn, "pool", None) is None:
            continue

        def get_new_connection(conn_params, conn=conn, original=conn.get_new_connection):
            pool = conn.pool
            pg.refuse_while_down(pool)
            try:
                new = original(conn_params)
            except PoolTimeout as exc:
                pg.checkout_failed(pool, exc)
                raise
            pg.checkout_succeeded()
            return new

        conn.get_new_connection = get_new_connection
        wrapped.append(conn)
    try:
        yield
    finally:
        for conn in wrapped:
            conn.__dict__.pop("get_new_connection", None)


def _drop_broken_connections() -> None:
    """Hand a connection that failed and no longer answers back to the pool, which discards it
    (a failed transaction already had Django take a fresh one)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.errors_occurred and not conn.in_atomic_block and not conn.is_usable():
            conn.close()


def _purge_dead_idle_connections() -> None:
    for conn in connections.all(initialized_only=True):
        pool = getattr(conn, "pool", None)
        if pool is not None:
            pool.check()


def _test_pooled_connection(sender, connection, **kwargs):
    """Before the first statement on a connection taken from the pool: is it alive? If not,
    swap in a live one (Django has done nothing with the raw connection yet that a pooled one
    needs redone: autocommit is the pool's default and there is no per-connection state)."""
    pool = getattr(connection, "pool", None)
    if pool is None:
        return
    for _ in range(_SWAPS):
        try:
            connection.connection.execute("")
            return
        except Exception:
            logger.warning("dead connection taken from the database pool; checking the idle ones")
            pool.putconn(connection.connection)  # broken: the pool drops it and opens another
            pool.check()
            connection.connection = pool.getconn()
    connection.connection.execute("")  # dead again and again: the database is away (503)


connection_created.connect(_test_pooled_connection, dispatch_uid="gamebuddies.db_resilience.test_pooled")


def _buffer_body(request) -> bool:
    """Keep the body in memory so a second run reads the same bytes; False if it cannot be kept."""
    if request.method in _SAFE_METHODS:
        return True
    try:
        request.body  # noqa: B018 - reading caches it on the request
    except (RequestDataTooBig, RawPostDataException):
        return False
    return True


def _note_unhandled_outage(sender, request=None, **kwargs):
    # Django turned an exception into a 500 outside any view (e.g. saving the session after
    # the view); the middleware above sees the note and answers 503 instead.
    exc = sys.exc_info()[1]
    if exc is not None and outage_cause(exc) is not None:
        note_outage(exc)


got_request_exception.connect(_note_unhandled_outage, dispatch_uid="gamebuddies.db_resilience")
