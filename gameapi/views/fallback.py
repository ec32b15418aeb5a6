"""Unknown paths under /api/v2/ answer in the envelope too (404), whatever the method."""

from __future__ import annotations

from gamebuddies.errors import NotFoundError
from gamebuddies.ratelimits import client_ip

from .. import throttles
from ..base import GameApiView


class ApiNotFoundView(GameApiView):
    authentication_classes = []
    permission_classes = []
    schema = None  # not an endpoint

    def initial(self, request, *args, **kwargs):
        throttles.enforce_unauthenticated(ip=client_ip(request._request))  # 429 past API_ANONYMOUS_RATE
        raise NotFoundError("No such API endpoint")
