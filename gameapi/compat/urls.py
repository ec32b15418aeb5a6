"""Routes of the original GameBuddies that existing games call, served by the compat adapters.

Three groups, mounted where the original had them:
- `game_api_urlpatterns`: the original API v2, under /api/v2/game/ (gameapi/urls.py);
- `api_v2_urlpatterns`: the return flow's routes directly under /api/v2/ (gameapi/urls.py);
- `site_urlpatterns`: /api/game-sessions/<token>, the legacy v1 status route and /lobby/<CODE>
  (gamebuddies/urls.py).
"""

from __future__ import annotations

from django.urls import path, re_path

from . import inputs as s
from . import pages, views
from .openapi import CompatSchemaView, documented_urlconf

_PLAYER = "rooms/<str:room_code>/players/<str:player_id>"

# The compat schema (/api/v2/game/schema/) documents these, under the paths where the original
# games call them: (path, view, method, request serializer, summary, public).
_G = "api/v2/game/"
SCHEMA_ROUTES = [
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

game_api_urlpatterns = [
    path("schema/", CompatSchemaView.as_view(urlconf=documented_urlconf(SCHEMA_ROUTES)), name="compat-schema"),
    path("health", views.HealthView.as_view(), name="compat-health"),
    path("rooms/<str:room_code>/validate", views.ValidateView.as_view(), name="compat-validate"),
    path(f"{_PLAYER}/status", views.StatusView.as_view(), name="compat-status"),
    path(f"{_PLAYER}/heartbeat", views.HeartbeatView.as_view(), name="compat-heartbeat"),
    path("rooms/<str:room_code>/bulk-status", views.BulkStatusView.as_view(), name="compat-bulk-status"),
    path("rooms/<str:room_code>/game-end", views.GameEndView.as_view(), name="compat-game-end"),
    path("rooms/<str:room_code>/return-all", views.ReturnAllView.as_view(), name="compat-return-all"),
    path("rooms/<str:room_code>/sync", views.SyncView.as_view(), name="compat-sync"),
    path("rooms/<str:room_code>/abandon", views.AbandonView.as_view(), name="compat-abandon"),
    path("sessions/recover", views.SessionRecoverView.as_view(), name="compat-session-recover"),
    path("external/return", views.ExternalReturnView.as_view(), name="compat-external-return-game"),
    path("users/<str:user_id>/friends", views.FriendsView.as_view(), name="compat-friends"),
    path("reward", views.NotSupportedView.as_view(feature="Rewards"), name="compat-reward"),
    path("progress/event", views.NotSupportedView.as_view(feature="XP and progress"), name="compat-progress"),
]

api_v2_urlpatterns = [
    path("external/return", views.ExternalReturnView.as_view(), name="compat-external-return"),
    path("rooms/<str:room_code>/return-status", views.ReturnStatusView.as_view(), name="compat-return-status"),
]

site_urlpatterns = [
    path("api/game-sessions/<str:token>", views.GameSessionView.as_view(), name="compat-game-session"),
    path(f"api/game/{_PLAYER}/status", views.StatusView.as_view(), name="compat-legacy-status"),
    re_path(r"^lobby/(?P<code>[A-Za-z0-9]{1,12})/?$", pages.lobby_fallback, name="compat-lobby"),
]
