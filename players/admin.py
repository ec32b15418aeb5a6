"""Staff view of players, sessions (never the token) and status history.

Read-only for everyone: these rows change only through the services. Seeing them needs
the model's view permission (the Support group has it).
"""

from django.contrib import admin

from gamebuddies.admin_base import ServiceOnlyAdminMixin

from .models import Player, PlayerSession, PlayerStatusHistory


@admin.register(Player)
class PlayerAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("display_name", "id", "created_at", "last_seen_at")
    search_fields = ("display_name", "id")


@admin.register(PlayerSession)
class PlayerSessionAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    # token_hash is left out on purpose: nothing about a token is shown after it is issued.
    list_display = ("player", "room", "status", "created_at", "expires_at")
    list_filter = ("status",)
    fields = ("player", "room", "status", "created_at", "last_seen_at", "expires_at")
    search_fields = ("room__room_code", "player__display_name")
    list_select_related = ("player", "room")


@admin.register(PlayerStatusHistory)
class PlayerStatusHistoryAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("player", "room", "old_location", "new_location", "new_status", "reason", "created_at")
    list_filter = ("new_location", "new_status")
    search_fields = ("room__room_code", "player__display_name")
    list_select_related = ("player", "room")
