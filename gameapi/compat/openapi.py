"""The compat routes' own OpenAPI description, at /api/v2/game/schema/.

They stay out of /api/v2/schema/, which describes our API for new games (and which schemathesis
fuzzes against the server): the compat views have `schema = None`. Here each one is described
through a documented subclass, under the paths where the original games call them, marked with
the `compat` tag and pointing at docs/compatibility.md for the field-by-field mapping.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import path
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView

from ..base import RequestLogMixin

TAG = "compat"
DESCRIPTION = (
    "A route of the original GameBuddies API, kept for games integrated with it; request and answer "
    "shapes, errors and where ours is stricter: docs/compatibility.md. New games: use /api/v2/ instead."
)


def _documented(view, method: str, request, summary: str, public: bool, index: int):
    original = getattr(view, method)

    def handler(self, *args, **kwargs):
        return original(self, *args, **kwargs)

    described = extend_schema(
        operation_id=f"compat_{index}_{view.__name__}",
        summary=summary,
        description=DESCRIPTION,
        tags=[TAG],
        request=request,
        responses={200: OpenApiTypes.OBJECT},
        auth=[] if public else None,
    )(handler)
    return type(f"Documented{view.__name__}", (view,), {"schema": AutoSchema(), method: described})


def documented_urlconf(routes) -> SimpleNamespace:
    """What the schema generator walks instead of the real URLs: one documented view per route.

    `routes` are (path, view, method, request serializer, summary, public) rows; the table is
    kept with the real routes in gameapi/compat/urls.py (wiring may import views, this may not).
    """
    return SimpleNamespace(
        urlpatterns=[
            path(route, _documented(view, method, request, summary, public, index).as_view())
            for index, (route, view, method, request, summary, public) in enumerate(routes)
        ]
    )


class CompatSchemaView(RequestLogMixin, SpectacularAPIView):
    """The schema of the routes given as `urlconf=documented_urlconf(...)` in as_view (the URL wiring)."""

    custom_settings = {
        "TITLE": "GameBuddies: routes of the original GameBuddies API",
        "DESCRIPTION": DESCRIPTION,
    }
