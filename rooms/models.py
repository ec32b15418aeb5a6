"""Rooms, their members, the event log, game states and the game catalog.

The database enforces the rules the services rely on: live room codes are unique,
a member's location agrees with its connection flags, and every UPDATE of a room or
member row raises its `version` by exactly one (triggers, see migrations 0003).
"""

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q

from gamebuddies.limits import CHAT_MESSAGE_MAX_CHARS, MAX_PLAYERS_PER_ROOM

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
ROOM_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ROOM_CODE_LENGTH = 6


class RoomStatus(models.TextChoices):
    LOBBY = "lobby"
    IN_GAME = "in_game"
    RETURNING = "returning"
    ABANDONED = "abandoned"
    FINISHED = "finished"


LIVE_ROOM_STATUSES = (RoomStatus.LOBBY, RoomStatus.IN_GAME, RoomStatus.RETURNING)


class MemberRole(models.TextChoices):
    HOST = "host"
    PLAYER = "player"
    SPECTATOR = "spectator"


class Location(models.TextChoices):
    LOBBY = "lobby"
    GAME = "game"
    DISCONNECTED = "disconnected"


class PlayerStatus(models.TextChoices):
    """The status vocabulary external games already send (API v2)."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    IN_GAME = "in_game"
    RETURNING = "returning"
    LOBBY = "lobby"


LOCAL_LAUNCH_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def validate_launch_url(value: str) -> None:
    """Where players go when the game starts: the one rule (admin form, create_game, load_demo_data).

    A path on this site (`/games/quiz/`, the bundled demo games), or an absolute `https://` URL.
    Plain `http://` only for a game on this very machine (127.0.0.1, localhost, [::1]) while
    developing: DJANGO_DEBUG on or the embedded default (no REDIS_URL), never in production.
    A session token travels in the launch URL's query, so it must not cross a network unencrypted.
    """
    if value.startswith("/") and not value.startswith("//"):
        return
    URLValidator(schemes=["http", "https"])(value)
    parts = urlsplit(value)
    if parts.scheme == "https":
        return
    if parts.hostname in LOCAL_LAUNCH_HOSTS and local_http_launch_allowed():
        return
    raise DjangoValidationError(
        "Use an https:// URL, or a path on this site such as /games/my-game/. "
        "http:// is accepted only for 127.0.0.1, localhost or [::1] while developing "
        "(DJANGO_DEBUG=1 or the embedded default, never in production).",
        code="launch_url_scheme",
    )


def local_http_launch_allowed() -> bool:
    return not settings.PRODUCTION and (settings.DEBUG or settings.EMBEDDED_WORKER)


class Game(models.Model):
    slug = models.SlugField(max_length=50, primary_key=True)
    name = models.CharField(max_length=100)
    launch_url = models.CharField(max_length=500, validators=[validate_launch_url])
    min_players = models.PositiveSmallIntegerField(default=1)
    max_players = models.PositiveSmallIntegerField(default=8)
    description = models.TextField(blank=True)
    # Settings offered to the host: {"rounds": {"type": "int", "min": 1, "max": 10, "default": 3}}
    settings_schema = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "games"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(min_players__lte=models.F("max_players")), name="games_min_le_max"),
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room_code = models.CharField(max_length=ROOM_CODE_LENGTH)
    status = models.CharField(max_length=16, choices=RoomStatus.choices, default=RoomStatus.LOBBY)
    current_game = models.ForeignKey(Game, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    host = models.ForeignKey("players.Player", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    max_players = models.PositiveSmallIntegerField(default=8)
    game_settings = models.JSONField(default=dict, blank=True)
    # A fresh id at every game start (issue 20): games tell two runs in one room apart by it.
    game_run_id = models.UUIDField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Listed in the public room browser (/rooms/) while in the lobby; the host's choice, off by default.
    is_public = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    last_activity = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rooms"
        permissions = [
            ("close_room", "Can close rooms"),
            ("transfer_host", "Can transfer the host role"),
            ("return_to_lobby", "Can return everyone to the lobby"),
        ]
        constraints = [
            # Doubles as the analysis's idx_rooms_room_code: codes are looked up among live rooms.
            models.UniqueConstraint(
                fields=["room_code"],
                condition=Q(status__in=["lobby", "in_game", "returning"]),
                name="idx_rooms_room_code",
            ),
            models.CheckConstraint(
                condition=Q(max_players__gte=1) & Q(max_players__lte=MAX_PLAYERS_PER_ROOM),
                name="rooms_max_players_range",
            ),
        ]
        indexes = [
            # The retention sweep finds ended rooms past their retention by this (rooms/services/retention.py).
            # On created_at, never updated_at: no index may cover a column every change of a room writes
            # (last_activity, updated_at, version), or no room UPDATE could be HOT and each status
            # update would add an entry to every index of the table (tests/rooms/test_hot_updates.py).
            models.Index(
                fields=["created_at"], condition=Q(status__in=["finished", "abandoned"]), name="idx_rooms_ended_created"
            ),
            # The public room browser reads public lobbies newest first (rooms/room_list.py).
            models.Index(
                fields=["-created_at"], condition=Q(is_public=True, status="lobby"), name="idx_rooms_public_lobby"
            ),
        ]

    def __str__(self) -> str:
        return self.room_code

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_ROOM_STATUSES

    @property
    def group_name(self) -> str:
        return f"room.{self.id.hex}"


class RoomMember(models.Model):
    # No index of their own: room_members_one_seat_per_player (room, player) and
    # idx_room_members_room_conn lead with room, idx_room_members_user_loc with player; each
    # redundant index was one more entry written by every non-HOT member update.
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members", db_index=False)
    player = models.ForeignKey("players.Player", on_delete=models.CASCADE, related_name="memberships", db_index=False)
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.PLAYER)
    status = models.CharField(max_length=16, choices=PlayerStatus.choices, default=PlayerStatus.CONNECTED)
    is_connected = models.BooleanField(default=True)
    in_game = models.BooleanField(default=False)
    current_location = models.CharField(max_length=16, choices=Location.choices, default=Location.LOBBY)
    is_ready = models.BooleanField(default=False)
    # NULL, not '', means no socket: the partial index covers only seats with one.
    socket_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    last_ping = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    game_data = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "room_members"
        permissions = [("kick_member", "Can kick players")]
        constraints = [
            models.UniqueConstraint(fields=["room", "player"], name="room_members_one_seat_per_player"),
            models.CheckConstraint(
                name="valid_location_status",
                condition=(
                    Q(current_location="disconnected", is_connected=False, in_game=False)
                    | Q(current_location="lobby", is_connected=True, in_game=False)
                    | Q(current_location="game", is_connected=True, in_game=True)
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["room", "is_connected"], name="idx_room_members_room_conn"),
            models.Index(fields=["player", "current_location"], name="idx_room_members_user_loc"),
            models.Index(fields=["socket_id"], condition=Q(socket_id__isnull=False), name="idx_room_members_socket"),
        ]

    def __str__(self) -> str:
        return f"{self.player_id} in {self.room_id}"

    @property
    def is_host(self) -> bool:
        return self.role == MemberRole.HOST


class RoomEvent(models.Model):
    # Indexed by idx_room_events_room_version, which leads with room.
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events", db_index=False)
    player = models.ForeignKey("players.Player", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event_type = models.CharField(max_length=50)
    event_data = models.JSONField(default=dict, blank=True)
    room_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "room_events"
        ordering = ["room_version", "id"]
        indexes = [models.Index(fields=["room", "room_version"], name="idx_room_events_room_version")]

    def __str__(self) -> str:
        return f"{self.event_type}@{self.room_version}"


class GameState(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="game_states")
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="+")
    state = models.JSONField(default=dict)
    version = models.PositiveIntegerField()
    # The room's game run when this version was saved (null: saved outside a run).
    game_run_id = models.UUIDField(null=True, blank=True)
    api_key = models.ForeignKey("gameapi.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "game_states"
        constraints = [
            models.UniqueConstraint(fields=["room", "game", "version"], name="game_states_one_row_per_version"),
        ]
        indexes = [models.Index(fields=["room", "game", "-created_at"], name="idx_game_states_room_game")]

    def __str__(self) -> str:
        return f"{self.game_id} v{self.version} in {self.room_id}"


class ChatMessage(models.Model):
    """A lobby chat line. Its own table, so chat never bumps the room's version; the newest
    CHAT_MESSAGES_KEPT per room are kept (rooms/services/chat.py) and go with the room."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="chat_messages")
    player = models.ForeignKey("players.Player", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=24)  # as shown when sent
    text = models.CharField(max_length=CHAT_MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "room_chat_messages"
        indexes = [models.Index(fields=["room", "-id"], name="idx_chat_room_newest")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:40]}"


class ChatAction(models.TextChoices):
    MUTE = "mute"
    UNMUTE = "unmute"
    DELETE = "delete"
    SPECTATORS_ON = "spectators_on"
    SPECTATORS_OFF = "spectators_off"


class ChatModeration(models.Model):
    """The record of the host's chat moderation; the current mutes and whether spectators may
    chat are read from it (latest action wins), so there is one source of truth."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="chat_moderation")
    actor = models.ForeignKey("players.Player", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target = models.ForeignKey("players.Player", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=ChatAction.choices)
    # A deleted message's author and text, kept for staff.
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "room_chat_moderation"
        indexes = [models.Index(fields=["room", "id"], name="idx_chat_moderation_room")]

    def __str__(self) -> str:
        return f"{self.action} in {self.room_id}"
