"""Staff view of rooms: live state, members, the timeline; close, kick, move the host, end the game.

Rows are read-only here on purpose: an edit in a form would change a room without its
event, broadcast or version story. Every action calls the same services as everyone else,
as the staff member (`Actor.staff` with their permissions, which the services check too),
needs its own permission (Meta.permissions on Room and RoomMember), and is written to the
admin log.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from gamebuddies.admin_base import DELETION, ServiceOnlyAdminMixin, audit, each_done, staff_actor
from gamebuddies.errors import InvalidRoomStateError

from . import services
from .models import ChatMessage, ChatModeration, Game, GameState, Room, RoomEvent, RoomMember
from .selectors import room_snapshot
from .timeline import room_state_at, room_timeline

# Admin action name -> the permission it needs (app label "rooms").
ROOM_PERMISSIONS = {
    "close": "close_room",
    "lobby": "return_to_lobby",
    "kick": "kick_member",
    "host": "transfer_host",
}


def _allowed(request, action: str) -> bool:
    return request.user.has_perm(f"rooms.{ROOM_PERMISSIONS[action]}")


class ChatMessageInline(ServiceOnlyAdminMixin, admin.TabularInline):
    """The room's kept chat lines, read-only; shown to staff with the view permission on chat messages."""

    model = ChatMessage
    fields = ("created_at", "author_name", "player", "text")
    readonly_fields = fields
    extra = 0
    verbose_name = "chat message"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("player").order_by("id")


class ChatModerationInline(ServiceOnlyAdminMixin, admin.TabularInline):
    """The host's chat moderation (mutes, deleted messages with their text), read-only."""

    model = ChatModeration
    fields = ("created_at", "action", "actor", "target", "detail")
    readonly_fields = fields
    extra = 0
    verbose_name = "chat moderation"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "target").order_by("id")


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "min_players", "max_players", "is_active")
    list_filter = ("is_active",)
    search_fields = ("slug", "name")


class MemberInline(ServiceOnlyAdminMixin, admin.TabularInline):
    model = RoomMember
    fields = ("player", "role", "current_location", "is_connected", "is_ready", "status", "last_ping", "version")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("player").order_by("joined_at", "id")


def _member_count(**filters):
    members = RoomMember.objects.filter(room=OuterRef("pk"), **filters).order_by().values("room")
    return Coalesce(Subquery(members.annotate(n=Count("pk")).values("n")), 0)


class ConnectedPlayersFilter(admin.SimpleListFilter):
    title = "connected players"
    parameter_name = "connected"

    def lookups(self, request, model_admin):
        return [("yes", "Someone connected"), ("no", "Nobody connected")]

    def queryset(self, request, queryset):
        connected = Exists(RoomMember.objects.filter(room=OuterRef("pk"), is_connected=True))
        if self.value() == "yes":
            return queryset.filter(connected)
        if self.value() == "no":
            return queryset.filter(~connected)
        return queryset


@admin.register(Room)
class RoomAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("room_code", "status", "current_game", "host", "players", "version", "last_activity", "created_at")
    list_filter = ("status", "current_game", ConnectedPlayersFilter)
    search_fields = ("room_code", "members__player__display_name")
    search_help_text = "Room code or a player's name"
    ordering = ("-last_activity",)
    list_select_related = ("current_game", "host")
    inlines = [MemberInline, ChatMessageInline, ChatModerationInline]
    actions = ["close_rooms", "return_rooms_to_lobby"]
    change_form_template = "admin/rooms/room/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(players_connected=_member_count(is_connected=True), players_total=_member_count())
        )

    @admin.display(description="connected / players", ordering="players_connected")
    def players(self, room: Room) -> str:
        return f"{room.players_connected}/{room.players_total}"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_close_room_permission(self, request, obj=None):
        return _allowed(request, "close")

    def has_return_to_lobby_permission(self, request, obj=None):
        return _allowed(request, "lobby")

    # -- the room page: live snapshot, staff actions, state at a version, timeline --------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        room = self.get_object(request, unquote(object_id))
        if room is not None and self.has_view_permission(request, room):
            extra_context = {**(extra_context or {}), **self._room_page_context(request, room)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _room_page_context(self, request, room: Room) -> dict:
        snapshot = room_snapshot(room=room)
        at = _chosen_version(request, room)
        timeline = room_timeline(room=room)
        return {
            "snapshot_json": json.dumps(snapshot, indent=2, sort_keys=True),
            "snapshot_players": snapshot["players"],
            "timeline": timeline,
            "timeline_rows": [(e, json.dumps(e.details, sort_keys=True)[:400]) for e in timeline.entries],
            "state_at": room_state_at(room=room, version=at),
            "can": {action: _allowed(request, action) for action in ROOM_PERMISSIONS},
            "room_is_live": room.is_live,
        }

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/close/", view(self.close_view), name="rooms_room_close"),
            path("<path:object_id>/lobby/", view(self.lobby_view), name="rooms_room_lobby"),
            path("<path:object_id>/kick/<uuid:player_id>/", view(self.kick_view), name="rooms_room_kick"),
            path("<path:object_id>/host/<uuid:player_id>/", view(self.host_view), name="rooms_room_host"),
            *super().get_urls(),
        ]

    # Each view checks its own permission (403) before anything else; changes only on POST.
    def _room_for(self, request, object_id: str, action: str) -> Room:
        if not _allowed(request, action):
            raise PermissionDenied
        room = self.get_object(request, unquote(object_id))
        if room is None:
            raise Http404("No such room")
        return room

    def _member_of(self, room: Room, player_id) -> RoomMember:
        member = RoomMember.objects.filter(room=room, player_id=player_id).select_related("player").first()
        if member is None:
            raise Http404("No such player in this room")
        return member

    def close_view(self, request, object_id):
        room = self._room_for(request, object_id, "close")
        if request.method != "POST":
            context = {**self.admin_site.each_context(request), "title": f"Close room {room}?", "room": room}
            return TemplateResponse(request, "admin/rooms/room/close_confirm.html", context)
        self.close_rooms(request, [room])
        return _back_to(room)

    def lobby_view(self, request, object_id):
        room = self._room_for(request, object_id, "lobby")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self.return_rooms_to_lobby(request, [room])
        return _back_to(room)

    def kick_view(self, request, object_id, player_id):
        return self._on_member(request, object_id, player_id, "kick", kick_members)

    def host_view(self, request, object_id, player_id):
        return self._on_member(request, object_id, player_id, "host", make_host_of)

    def _on_member(self, request, object_id, player_id, action: str, run):
        room = self._room_for(request, object_id, action)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run(self, request, [self._member_of(room, player_id)])
        return _back_to(room)

    # -- actions (the changelist's, and the room page's through the views above) -------------
    @admin.action(
        description="Close selected rooms (players are sent out, sessions revoked)", permissions=["close_room"]
    )
    def close_rooms(self, request, rooms):
        closed = each_done(self, request, rooms, lambda room: _close(request, room))
        self.message_user(request, f"Closed {len(closed)} room(s): {', '.join(r.room_code for r, _ in closed)}.")

    @admin.action(description="Return everyone in the selected rooms to the lobby", permissions=["return_to_lobby"])
    def return_rooms_to_lobby(self, request, rooms):
        for room, returned in each_done(self, request, rooms, lambda room: _end_game(request, room)):
            self.message_user(request, f"{room.room_code}: the game ended, {returned} player(s) back in the lobby.")


def _back_to(room: Room):
    return redirect(reverse("admin:rooms_room_change", args=[room.pk]))


# -- the four staff actions: the service call as the staff member, then the audit entries ----
def _close(request, room: Room) -> None:
    services.room_close(room=room.pk, actor=staff_actor(request), reason="closed by staff")
    audit(request, room, "Closed the room (players sent out, sessions revoked)")


def _end_game(request, room: Room) -> int:
    result = services.game_end(room=room.pk, actor=staff_actor(request), result={"endedBy": "staff"})
    if result.change is None:
        raise InvalidRoomStateError("No game is running")
    audit(request, room, f"Ended the game: {result.players_returned} player(s) returned to the lobby")
    return result.players_returned


def _kick(request, member: RoomMember) -> str:
    services.member_kick(room=member.room_id, target_player_id=member.player_id, actor=staff_actor(request))
    room = Room.objects.get(pk=member.room_id)
    audit(request, room, f"Kicked {member.player.display_name} ({member.player_id})")
    audit(request, member, f"Kicked from room {room.room_code}", action_flag=DELETION)
    return room.room_code


def _make_host(request, member: RoomMember) -> str:
    services.host_transfer(room=member.room_id, new_host_id=member.player_id, actor=staff_actor(request))
    room = Room.objects.get(pk=member.room_id)
    audit(request, room, f"Made {member.player.display_name} ({member.player_id}) the host")
    audit(request, member, "Made the host of the room")
    return room.room_code


def _player_name(member: RoomMember) -> str:
    return member.player.display_name


def _chosen_version(request, room: Room) -> int:
    try:
        version = int(request.GET.get("at", room.version))
    except ValueError:
        version = room.version
    return min(max(version, 1), room.version)


@admin.register(RoomMember)
class RoomMemberAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("player", "room", "role", "current_location", "is_connected", "is_ready", "last_ping")
    list_filter = ("role", "current_location", "is_connected")
    search_fields = ("room__room_code", "player__display_name", "player__id")
    list_select_related = ("player", "room")
    actions = ["kick_players", "make_host"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_kick_member_permission(self, request, obj=None):
        return _allowed(request, "kick")

    def has_transfer_host_permission(self, request, obj=None):
        return _allowed(request, "host")

    @admin.action(description="Kick selected players (their session is revoked)", permissions=["kick_member"])
    def kick_players(self, request, queryset):
        kick_members(self, request, list(queryset.select_related("player")))

    @admin.action(description="Make the selected player the host of their room", permissions=["transfer_host"])
    def make_host(self, request, queryset):
        make_host_of(self, request, list(queryset.select_related("player")))


def kick_members(model_admin, request, members: list[RoomMember]) -> None:
    kicked = each_done(model_admin, request, members, lambda m: _kick(request, m), name=_player_name)
    model_admin.message_user(
        request, f"Kicked {len(kicked)} player(s): {', '.join(_player_name(m) for m, _ in kicked)}."
    )


def make_host_of(model_admin, request, members: list[RoomMember]) -> None:
    if len(members) != 1:
        model_admin.message_user(request, "Select exactly one player to make host.", messages.WARNING)
        return
    for member, code in each_done(model_admin, request, members, lambda m: _make_host(request, m), name=_player_name):
        model_admin.message_user(request, f"{_player_name(member)} is now the host of {code}.")


@admin.register(RoomEvent)
class RoomEventAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("room", "room_version", "event_type", "player", "created_at")
    list_filter = ("event_type",)
    search_fields = ("room__room_code",)
    list_select_related = ("room", "player")


@admin.register(GameState)
class GameStateAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("room", "game", "version", "api_key", "created_at")
    list_select_related = ("room", "game", "api_key")
    search_fields = ("room__room_code",)
