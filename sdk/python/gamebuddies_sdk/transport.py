"""HTTP with the Game API's manners: idempotency keys, retries with backoff, typed errors.

Retry policy (why each case is safe):
- connection errors, timeouts and 5xx: the request may or may not have run. Every
  POST/PUT carries an Idempotency-Key that is reused on each retry, so the server
  replays the first result instead of doing the work twice.
- 429 RATE_LIMITED: wait what `Retry-After` says (never less), then try again.
- 409 DUPLICATE_REQUEST: the first attempt is still running; wait and ask again to
  receive its stored result.
- STATE_CONFLICT is not retried: the caller must re-read and decide.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ._version import __version__
from .errors import (
    GameBuddiesError,
    RateLimitedError,
    StateConflictError,
    TimeoutError,
    TransportError,
    error_from_response,
)

API_PREFIX = "/api/v2"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base: float = 0.5  # seconds before the first retry (before jitter)
    backoff_max: float = 8.0
    # A Retry-After longer than this is not slept through: the error is raised instead.
    max_retry_after: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random, so clients spread out."""
        delay = min(self.backoff_max, self.backoff_base * (2**attempt))
        return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class ResponseInfo:
    """What the last call saw on the wire (for logs and support requests)."""

    status: int
    request_id: str | None
    idempotency_key: str | None
    replayed: bool
    attempts: int


class Transport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str | None = None,
    ):
        if not api_key:
            raise ValueError("api_key is required (create one with `python manage.py create_api_key`)")
        root = base_url.rstrip("/")
        if not root.endswith(API_PREFIX):
            root += API_PREFIX
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=root,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            headers={
                "X-API-Key": api_key,
                "Accept": "application/json",
                "User-Agent": user_agent or f"gamebuddies-sdk-python/{__version__}",
            },
        )
        self.last_response: ResponseInfo | None = None

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send, retrying what is safe to retry; return the decoded JSON or raise a typed error."""
        method = method.upper()
        headers = {}
        if method in WRITE_METHODS:
            # One key for the whole logical call: every retry below reuses it.
            idempotency_key = idempotency_key or str(uuid.uuid4())
            headers["Idempotency-Key"] = idempotency_key
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, json=json, params=params, headers=headers)
            except httpx.TimeoutException as exc:
                error: GameBuddiesError = TimeoutError(f"{method} {path} timed out: {exc}", retryable=True)
            except httpx.TransportError as exc:
                error = TransportError(f"{method} {path} failed: {exc.__class__.__name__}: {exc}", retryable=True)
            else:
                self.last_response = ResponseInfo(
                    status=response.status_code,
                    request_id=response.headers.get("X-Request-Id"),
                    idempotency_key=idempotency_key,
                    replayed=response.headers.get("Idempotent-Replayed", "").lower() == "true",
                    attempts=attempt + 1,
                )
                if response.status_code < 400:
                    return _decode(response)
                error = error_from_response(response.status_code, response.headers, _decode(response))
            delay = self._retry_delay(error, attempt)
            if delay is None:
                raise error
            self._sleep(delay)
            attempt += 1

    def _retry_delay(self, error: GameBuddiesError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None when the error must be raised."""
        if attempt >= self.retry.max_retries or isinstance(error, StateConflictError):
            return None
        server_side = error.status is not None and error.status >= 500
        if not (error.retryable or server_side or isinstance(error, TransportError)):
            return None
        delay = self.retry.backoff(attempt)
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            if error.retry_after > self.retry.max_retry_after:
                return None
            # Never earlier than the server asked; a little jitter so clients do not stampede.
            delay = error.retry_after + random.uniform(0, min(1.0, self.retry.backoff_base))
        return delay


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {"error": response.text[:200]}
