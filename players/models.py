"""Players, their per-room sessions and the history of their status changes."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Player(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=24)
    # players.avatars: a key of AVATARS and a colour 0-7; NULL until the player picks one.
    avatar = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001
    avatar_colour = models.PositiveSmallIntegerField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "players"

    def __str__(self) -> str:
        return self.display_name


class SessionStatus(models.TextChoices):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class PlayerSession(models.Model):
    """A player's seat credential for one room. Only the SHA-256 of the token is stored."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="sessions")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "player_sessions"
        constraints = [
            models.UniqueConstraint(
                fields=["player", "room"],
                condition=Q(status="active"),
                name="idx_unique_active_session",
            ),
        ]
        indexes = [
            models.Index(fields=["token_hash"], condition=Q(status="active"), name="idx_player_sessions_token"),
            models.Index(fields=["player", "room", "status"], name="idx_player_sessions_user_room"),
        ]

    def __str__(self) -> str:
        return f"session of {self.player_id} in {self.room_id} ({self.status})"


class PlayerStatusHistory(models.Model):
    # Indexed by idx_player_status_history_user, which leads with player: one index fewer
    # written by every status update.
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="status_history", db_index=False)
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="status_history")
    old_location = models.CharField(max_length=16, blank=True)
    new_location = models.CharField(max_length=16)
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "player_status_history"
        verbose_name_plural = "player status history"
        indexes = [models.Index(fields=["player", "-created_at"], name="idx_player_status_history_user")]

    def __str__(self) -> str:
        return f"{self.player_id}: {self.old_location}->{self.new_location}"


class SeatClaim(models.Model):
    """A one-time code that moves a seat into a browser (the API's `lobbyUrl`).

    Only the SHA-256 of the code is stored. It is short-lived and single use, and it is never
    itself a credential: redeeming it issues a fresh session token for the seat.
    """

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "seat_claims"

    def __str__(self) -> str:
        return f"claim for {self.player_id} in {self.room_id}"


class KickBlock(models.Model):
    """A browser the host removed from a room may not take a new seat there for a while.

    The browser is recognised by the session token its cookie still holds for the room (revoked
    by the kick; only its SHA-256 is kept here). Lifted by the host, or when it expires.
    """

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "kick_blocks"
        indexes = [models.Index(fields=["room", "token_hash"], name="idx_kick_blocks_room_token")]

    def __str__(self) -> str:
        return f"{self.player_id} blocked in {self.room_id}"
