"""Routes of the original GameBuddies that existing games call, served by the compat adapters.

Three groups, mounted where the original had them:
- `game_api_urlpatterns`: the original API v2, under /api/v2/game/ (gameapi/urls.py);
- `api_v2_urlpatterns`: the return flow's routes directly under /api/v2/ (gameapi/urls.py);
- `site_urlpatterns`: /api/game-sessions/<token>, the legacy v1 status route and /lobby/<CODE>
  (gamebuddies/urls.py).
"""

from __future__ import annotations

from django.urls import path, re_path

from . import pages, views
from .openapi import CompatSchemaView

_PLAYER = "rooms/<str:room_code>/players/<str:player_id>"

game_api_urlpatterns = [
    path("schema/", CompatSchemaView.as_view(), name="compat-schema"),
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
