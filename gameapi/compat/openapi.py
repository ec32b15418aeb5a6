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
from . import inputs as s
from . import views

TAG = "compat"
DESCRIPTION = (
    "A route of the original GameBuddies API, kept for games integrated with it; request and answer "
    "shapes, errors and where ours is stricter: docs/compatibility.md. New games: use /api/v2/ instead."
)
_G = "api/v2/game/"
_PLAYER = "rooms/<str:room_code>/players/<str:player_id>"

# (path, view, method, request serializer, summary, public)
ROUTES = [
    (f"{_G}health", views.HealthView, "get", None, "Is the API up? (original v2)", True),
    (
        f"{_G}rooms/<str:room_code>/validate",
        views.ValidateView,
        "get",
        None,
        "Validate a room and a participant",
        False,
    ),
    (f"{_G}{_PLAYER}/status", views.StatusView, "post", s.StatusReport, "A player's status in the game's words", False),
    (
        f"{_G}{_PLAYER}/heartbeat",
        views.HeartbeatView,
        "post",
        s.HeartbeatReport,
        "Keep a player's presence alive",
        False,
    ),
    (
        f"{_G}rooms/<str:room_code>/bulk-status",
        views.BulkStatusView,
        "post",
        s.BulkReport,
        "Several players, atomically",
        False,
    ),
    (f"{_G}rooms/<str:room_code>/game-end", views.GameEndView, "post", s.GameEnd, "The game ended", False),
    (f"{_G}rooms/<str:room_code>/return-all", views.ReturnAllView, "post", None, "Everyone back to the lobby", False),
    (f"{_G}rooms/<str:room_code>/sync", views.SyncView, "post", None, "Send the room's snapshot again", False),
    (f"{_G}rooms/<str:room_code>/abandon", views.AbandonView, "post", s.Reason, "The game deleted its room", False),
    (f"{_G}sessions/recover", views.SessionRecoverView, "post", s.SessionRecover, "A new token for a session", True),
    (f"{_G}external/return", views.ExternalReturnView, "post", s.ExternalReturn, "Return players to the lobby", False),
    (f"{_G}users/<str:user_id>/friends", views.FriendsView, "get", None, "Friends (none: no accounts here)", False),
    (f"{_G}reward", views.NotSupportedView, "post", None, "Rewards (not supported here)", False),
    (f"{_G}progress/event", views.NotSupportedView, "post", None, "XP and progress (not supported here)", False),
    (
        "api/v2/external/return",
        views.ExternalReturnView,
        "post",
        s.ExternalReturn,
        "Return players to the lobby",
        False,
    ),
    (
        "api/v2/rooms/<str:room_code>/return-status",
        views.ReturnStatusView,
        "get",
        None,
        "Should the game return?",
        True,
    ),
    ("api/game-sessions/<str:token>", views.GameSessionView, "get", None, "The launch session's player and room", True),
    (
        f"api/game/{_PLAYER}/status",
        views.StatusView,
        "post",
        s.StatusReport,
        "A player's status (original v1 path)",
        False,
    ),
]


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


_urlconf = SimpleNamespace(
    urlpatterns=[
        path(route, _documented(view, method, request, summary, public, index).as_view())
        for index, (route, view, method, request, summary, public) in enumerate(ROUTES)
    ]
)


class CompatSchemaView(RequestLogMixin, SpectacularAPIView):
    urlconf = _urlconf
    custom_settings = {
        "TITLE": "GameBuddies: routes of the original GameBuddies API",
        "DESCRIPTION": DESCRIPTION,
    }
