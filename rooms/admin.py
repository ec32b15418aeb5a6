"""Staff view of rooms: inspect state and history; close rooms and kick players through the services.

Rows are read-only here on purpose: an edit in a form would change a room without
its event, broadcast or version story. Actions call the same services as everyone else.
"""

from django.contrib import admin, messages

from gamebuddies.actors import Actor
from gamebuddies.errors import GameBuddiesError

from . import services
from .models import Game, GameState, Room, RoomEvent, RoomMember


def _staff(request) -> Actor:
    return Actor.staff(label=f"admin:{request.user.get_username()}")


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "min_players", "max_players", "is_active")
    list_filter = ("is_active",)
    search_fields = ("slug", "name")


class MemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RoomMember
    fields = ("player", "role", "current_location", "is_connected", "is_ready", "status", "last_ping", "version")
    readonly_fields = fields
    extra = 0
    show_change_link = True


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RoomEvent
    fields = ("room_version", "event_type", "player", "event_data", "created_at")
    readonly_fields = fields
    extra = 0
    ordering = ("-room_version",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("player")


@admin.register(Room)
class RoomAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("room_code", "status", "current_game", "host", "version", "last_activity", "created_at")
    list_filter = ("status", "current_game")
    search_fields = ("room_code", "id")
    ordering = ("-last_activity",)
    list_select_related = ("current_game", "host")
    inlines = [MemberInline, EventInline]
    actions = ["close_rooms"]

    def has_change_permission(self, request, obj=None):
        # Needed to see the change page and run actions; the form itself has no editable fields.
        return request.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="Close selected rooms (players are sent out, sessions revoked)")
    def close_rooms(self, request, queryset):
        closed = 0
        for room in queryset:
            try:
                services.room_close(room=room.pk, actor=_staff(request), reason="closed by staff")
                closed += 1
            except GameBuddiesError as exc:
                self.message_user(request, f"{room.room_code}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Closed {closed} room(s).")


@admin.register(RoomMember)
class RoomMemberAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("player", "room", "role", "current_location", "is_connected", "is_ready", "last_ping")
    list_filter = ("role", "current_location", "is_connected")
    search_fields = ("room__room_code", "player__display_name", "player__id")
    list_select_related = ("player", "room")
    actions = ["kick_players"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="Kick selected players (their session is revoked)")
    def kick_players(self, request, queryset):
        kicked = 0
        for member in queryset.select_related("room"):
            try:
                services.member_kick(room=member.room_id, target_player_id=member.player_id, actor=_staff(request))
                kicked += 1
            except GameBuddiesError as exc:
                self.message_user(request, f"{member}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Kicked {kicked} player(s).")


@admin.register(RoomEvent)
class RoomEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("room", "room_version", "event_type", "player", "created_at")
    list_filter = ("event_type",)
    search_fields = ("room__room_code",)
    list_select_related = ("room", "player")


@admin.register(GameState)
class GameStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("room", "game", "version", "api_key", "created_at")
    list_select_related = ("room", "game", "api_key")
    search_fields = ("room__room_code",)
