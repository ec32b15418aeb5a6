"""The base of every Game API view: auth, scopes, body limit, idempotency, rate tiers, request log.

Order for each request: body size (413) -> X-API-Key (401) -> scope (403) ->
Idempotency-Key / in-flight dedup (replay, 409, 422) -> rate tier (429) -> handler.
Whatever happens, the response speaks the one error envelope and is logged to ApiRequest.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.template.response import SimpleTemplateResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.views import APIView

from gamebuddies.db_resilience import count_once
from gamebuddies.errors import (
    GameBuddiesError,
    PayloadTooLargeError,
    ValidationError,
    drf_exception_handler,
    error_response,
    first_error,
)
from gamebuddies.ratelimits import client_ip, code_lookup_guard

from . import conf, idempotency, request_log, throttles
from .authentication import ApiKeyAuthentication, HasScope, actor_for, request_api_key

logger = logging.getLogger(__name__)


def enforce_body_limit(django_request) -> None:
    """413 for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, declared or (chunked) actual.

    DRF's parsers read the raw stream and skip Django's own size check, so the API does it.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return
    try:
        declared = int(django_request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = PayloadTooLargeError(f"Request body is larger than {limit} bytes")
    if declared > limit:
        raise too_large
    try:
        body = django_request.body
    except RequestDataTooBig:
        raise too_large
    if len(body) > limit:
        raise too_large


def api_exception_handler(exc, context):
    """The platform handler plus what only the API meets: replays, oversized bodies, nested rows."""
    if isinstance(exc, idempotency.Replay):
        return exc.response
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLargeError()
    elif isinstance(exc, drf_exceptions.ValidationError):
        field, message = first_error(exc.detail) or ("body", "Invalid input")
        exc = ValidationError(message, field=field)
    return drf_exception_handler(exc, context)


class RequestLogMixin:
    """Times each request and records it to ApiRequest (buffered) once the response is known."""

    def dispatch(self, request, *args, **kwargs):
        started = time.perf_counter()
        response = super().dispatch(request, *args, **kwargs)
        api_key = request_api_key(request)
        request_log.record(
            api_key_id=api_key.pk if api_key else None,
            method=request.method,
            path=request.path,
            status_code=response.status_code,
            duration_ms=(time.perf_counter() - started) * 1000,
            request_id=getattr(request, "request_id", ""),
        )
        return response


class GameApiView(RequestLogMixin, APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    # Per HTTP method: the scope a key needs and the rate tier the request counts in.
    required_scopes: dict[str, str] = {}
    rate_tiers: dict[str, str] = {}
    metadata_class = None  # OPTIONS answers 405 like any other unsupported method

    def rate_subject(self) -> str:
        """Narrows the tier's bucket (a room, a player); empty means per key."""
        return ""

    # -- request pipeline --------------------------------------------------------
    def dispatch(self, request, *args, **kwargs):
        self._guard: idempotency.Guard | None = None
        self._recording = False
        self._broadcast_ticket = None
        return super().dispatch(request, *args, **kwargs)

    def broadcast_delivered(self, ticket) -> bool:
        """`waitForBroadcast`: whether the change's broadcast went out (waiting at most
        BROADCAST_WAIT_SECONDS). In a keyed request the handler runs inside the transaction of
        its durable record, and the broadcast leaves only after that commits: the answer says
        False for now (what a replay of the durable record says too, as on the lean path) and
        `_recorded` puts the real outcome in the live answer once committed."""
        if self._recording:
            self._broadcast_ticket = ticket
            return False
        return ticket.wait(conf.BROADCAST_WAIT_SECONDS)

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        # An undeclared method is 405 before anything else (key, idempotency, limits) is looked at.
        if request.method == "OPTIONS" or request.method not in self._allowed_methods():
            raise drf_exceptions.MethodNotAllowed(request.method)
        enforce_body_limit(request._request)
        super().initial(request, *args, **kwargs)
        api_key = request_api_key(request)
        if api_key is None:
            return
        self._guard = idempotency.begin(
            method=request.method,
            path=request._request.path,
            body=request._request.body,
            api_key_id=api_key.pk,
            raw_api_key=request._request.META.get("HTTP_X_API_KEY", "").strip(),
            header=request._request.headers.get(idempotency.HEADER),
        )
        tier = self.rate_tiers.get(request.method)
        # A request run again after a lost connection (DatabaseRetryMiddleware) counts once.
        if tier and count_once(("gameapi", api_key.pk, tier, self.rate_subject())):
            throttles.enforce(api_key=api_key, tier=tier, subject=self.rate_subject())
        if self._guard is not None and self._guard.idempotency_key:
            name = request.method.lower()
            setattr(self, name, self._recorded(getattr(self, name)))

    def _recorded(self, handler):
        """The handler in one transaction with its answer's durable record (exactly-once through
        a lost COMMIT, gameapi/idempotency_store.py); the Redis record once it committed."""

        def run(request, *args, **kwargs):
            self._recording = True
            try:
                with transaction.atomic():
                    response = self.finalize_response(request, handler(request, *args, **kwargs), *args, **kwargs)
                    idempotency.save_durable(
                        self._guard,
                        status=response.status_code,
                        body=response.content,
                        content_type=response.get("Content-Type", "application/json"),
                    )
            finally:
                self._recording = False  # failed: DRF's error answer finishes the guard
            ticket, self._broadcast_ticket = self._broadcast_ticket, None
            if ticket is not None:  # committed: the broadcast is on its way now
                response.data["broadcast"] = {"broadcasted": ticket.wait(conf.BROADCAST_WAIT_SECONDS)}
                response.content = response.rendered_content
            self._guard.finish(response)
            self._guard = None  # finished: not again when DRF finalizes the response
            return response

        return run

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            try:
                response.render()
            except Exception:
                logger.exception("API response could not be rendered")
                response = error_response(GameBuddiesError(), request)
        if response.status_code == 401:
            response["WWW-Authenticate"] = ApiKeyAuthentication().authenticate_header(request)
        # Answers can hold session tokens and live state: no cache may keep them.
        response["Cache-Control"] = "no-store"
        if self._guard is not None and not self._recording:  # a recorded answer is kept after commit
            self._guard.finish(response)
        return response

    # -- helpers for handlers ------------------------------------------------------
    @property
    def api_key(self):
        return request_api_key(self.request)

    @property
    def actor(self):
        return actor_for(self.api_key)

    @contextmanager
    def code_lookup(self):
        """Wrap anything that looks a room up by code: unknown codes count toward the guessing limit."""
        with code_lookup_guard(ip=client_ip(self.request._request)):
            yield

    def parse(self, serializer_class, data=None):
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
