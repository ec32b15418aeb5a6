"""Experiment: run the HTTP middleware chain in one thread hop instead of about twenty.

Under ASGI Django's innermost handler is async. Every MiddlewareMixin middleware that
sits between it and the first sync-only middleware then runs in async mode, and in that
mode each of its process_request / process_response goes to a thread and back
(django/utils/deprecation.py, MiddlewareMixin.__acall__). Today the sync-only
RequestIdMiddleware sits second, so nine middlewares hop twice per request. A sync-only
pass-through placed last makes the whole chain sync: one hop in, one back out to the
async core, one into the (sync, DRF) view.
"""

from gamebuddies.settings import *  # noqa: F403
from gamebuddies.settings import MIDDLEWARE


class SyncBoundaryMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


MIDDLEWARE = [*MIDDLEWARE, "bench.experiments.sync_middleware_chain.SyncBoundaryMiddleware"]
