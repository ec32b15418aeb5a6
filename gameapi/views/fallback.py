"""Unknown paths under /api/v2/ answer in the envelope too (404), whatever the method."""

from __future__ import annotations

from gamebuddies.errors import NotFoundError

from ..base import GameApiView


class ApiNotFoundView(GameApiView):
    authentication_classes = []
    permission_classes = []
    schema = None  # not an endpoint

    def initial(self, request, *args, **kwargs):
        raise NotFoundError("No such API endpoint")
