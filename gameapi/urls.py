"""Game API v2 routes, mounted at /api/v2/ by gamebuddies/urls.py."""

from django.urls import include, path, re_path

from .compat.urls import api_v2_urlpatterns as compat_api_v2
from .compat.urls import game_api_urlpatterns as compat_game_api
from .views import docs, fallback, game, keys, players, rooms

app_name = "gameapi"

urlpatterns = [
    path("health", keys.HealthView.as_view(), name="health"),
    path("keys/validate", keys.KeyValidateView.as_view(), name="keys-validate"),
    path("sessions/validate", keys.SessionValidateView.as_view(), name="sessions-validate"),
    path("rooms", rooms.RoomCreateView.as_view(), name="rooms"),
    path("rooms/<str:room_code>", rooms.RoomDetailView.as_view(), name="room"),
    path("rooms/<str:room_code>/players", rooms.SeatView.as_view(), name="room-players"),
    path("rooms/<str:room_code>/players/<uuid:player_id>/status", players.StatusView.as_view(), name="player-status"),
    path(
        "rooms/<str:room_code>/players/<uuid:player_id>/heartbeat",
        players.HeartbeatView.as_view(),
        name="player-heartbeat",
    ),
    path("rooms/<str:room_code>/bulk-status", players.BulkStatusView.as_view(), name="bulk-status"),
    path("rooms/<str:room_code>/game-start", game.GameStartView.as_view(), name="game-start"),
    path("rooms/<str:room_code>/game-end", game.GameEndView.as_view(), name="game-end"),
    path("rooms/<str:room_code>/game-state", game.GameStateView.as_view(), name="game-state"),
    path("rooms/<str:room_code>/events", game.EventsView.as_view(), name="events"),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    # The original GameBuddies API v2 and return flow, for games integrated with it (docs/compatibility.md).
    path("game/", include(compat_game_api)),
    *compat_api_v2,
    re_path(r"^.*$", fallback.ApiNotFoundView.as_view(), name="not-found"),
]
