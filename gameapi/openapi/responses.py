"""Response shapes of the Game API, for the schema (views render plain dicts of the same shape)."""

from __future__ import annotations

from rest_framework import serializers

from players.avatars import AVATAR_COLOURS, AVATARS
from rooms.models import Location, MemberRole, PlayerStatus, RoomStatus

from ..fields import AnyObjectField


class RoomOut(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=RoomStatus.choices)
    currentGame = serializers.CharField(allow_null=True)  # noqa: N815
    hostId = serializers.UUIDField(allow_null=True)  # noqa: N815
    maxPlayers = serializers.IntegerField()  # noqa: N815
    settings = AnyObjectField()
    metadata = AnyObjectField()
    version = serializers.IntegerField()


class PlayerOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.ChoiceField(
        choices=list(AVATARS), allow_null=True, help_text="The picture the player picked; null: none (show an initial)"
    )
    avatarColour = serializers.IntegerField(  # noqa: N815
        min_value=0,
        max_value=AVATAR_COLOURS - 1,
        allow_null=True,
        help_text="Colour 0-7 of the lobby's palette; null: not picked (the lobby colours by id)",
    )
    role = serializers.ChoiceField(choices=MemberRole.choices)
    isHost = serializers.BooleanField()  # noqa: N815
    isConnected = serializers.BooleanField()  # noqa: N815
    inGame = serializers.BooleanField()  # noqa: N815
    currentLocation = serializers.ChoiceField(choices=Location.choices)  # noqa: N815
    status = serializers.ChoiceField(choices=PlayerStatus.choices)
    isReady = serializers.BooleanField()  # noqa: N815
    lastPing = serializers.DateTimeField(allow_null=True)  # noqa: N815
    gameData = AnyObjectField()  # noqa: N815
    joinedAt = serializers.DateTimeField(allow_null=True)  # noqa: N815
    version = serializers.IntegerField()


class RoomStateOut(serializers.Serializer):
    room = RoomOut()
    players = PlayerOut(many=True)


class RoomSnapshotOut(serializers.Serializer):
    version = serializers.IntegerField()
    state = RoomStateOut()


class HealthOut(serializers.Serializer):
    status = serializers.CharField(help_text='"healthy", or "unavailable" (with HTTP 503) while a check is down')
    version = serializers.CharField()
    timestamp = serializers.DateTimeField()
    checks = serializers.DictField(
        child=serializers.CharField(), help_text='"ok" or "down" for "database" and (with Redis) "cache"'
    )


class KeyValidateOut(serializers.Serializer):
    valid = serializers.BooleanField()
    service = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    game = serializers.CharField(allow_null=True, help_text="The only game whose rooms this key may touch")
    expiresAt = serializers.DateTimeField(allow_null=True)  # noqa: N815


class HostSeatOut(serializers.Serializer):
    playerId = serializers.UUIDField()  # noqa: N815
    sessionToken = serializers.CharField(help_text="Shown once; hand it to the host's client only")  # noqa: N815
    lobbyUrl = serializers.URLField()  # noqa: N815


class RoomCreatedOut(serializers.Serializer):
    roomCode = serializers.CharField()  # noqa: N815
    version = serializers.IntegerField()
    host = HostSeatOut()


class SeatOut(serializers.Serializer):
    playerId = serializers.UUIDField()  # noqa: N815
    sessionToken = serializers.CharField(help_text="Shown once; hand it to that player's client only")  # noqa: N815
    version = serializers.IntegerField()


class SessionValidateOut(serializers.Serializer):
    valid = serializers.BooleanField()
    playerId = serializers.UUIDField(allow_null=True)  # noqa: N815
    roomCode = serializers.CharField(allow_null=True)  # noqa: N815
    role = serializers.ChoiceField(choices=MemberRole.choices, allow_null=True)
    isHost = serializers.BooleanField(allow_null=True)  # noqa: N815
    displayName = serializers.CharField(allow_null=True)  # noqa: N815
    gameRunId = serializers.UUIDField(  # noqa: N815
        allow_null=True, help_text="The room's current game run (a new id at every game start); null before the first"
    )


class BroadcastOut(serializers.Serializer):
    broadcasted = serializers.BooleanField()


class StatusAckOut(serializers.Serializer):
    success = serializers.BooleanField()
    updateId = serializers.CharField()  # noqa: N815
    roomVersion = serializers.IntegerField()  # noqa: N815
    player = PlayerOut()
    timestamp = serializers.DateTimeField()
    broadcast = BroadcastOut(required=False, help_text="Only when waitForBroadcast was asked")


class HeartbeatOut(serializers.Serializer):
    success = serializers.BooleanField()
    serverTime = serializers.DateTimeField()  # noqa: N815
    nextHeartbeatMs = serializers.IntegerField()  # noqa: N815


class BulkSummaryOut(serializers.Serializer):
    total = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()


class BulkStatusOut(serializers.Serializer):
    success = serializers.BooleanField()
    summary = BulkSummaryOut()
    roomVersion = serializers.IntegerField()  # noqa: N815


class GameStartOut(serializers.Serializer):
    success = serializers.BooleanField()
    game = serializers.CharField()
    players = serializers.ListField(child=serializers.UUIDField(), help_text="Players moved into the game")
    roomVersion = serializers.IntegerField()  # noqa: N815


class GameEndOut(serializers.Serializer):
    success = serializers.BooleanField()
    changed = serializers.BooleanField(help_text="False when nothing was running and nobody was in the game")
    playersReturned = serializers.IntegerField()  # noqa: N815
    roomVersion = serializers.IntegerField()  # noqa: N815


class GameStateSavedOut(serializers.Serializer):
    game = serializers.CharField()
    version = serializers.IntegerField()
    gameRunId = serializers.UUIDField(  # noqa: N815
        allow_null=True, help_text="The room's game run this version was saved in (null: saved outside a run)"
    )


class GameStateOut(serializers.Serializer):
    game = serializers.CharField()
    version = serializers.IntegerField(help_text="0 when nothing was saved yet")
    state = serializers.JSONField(allow_null=True)
    createdAt = serializers.DateTimeField(allow_null=True)  # noqa: N815
    gameRunId = serializers.UUIDField(  # noqa: N815
        allow_null=True,
        help_text="The game run this version was saved in: compare it with the launch's gameRunId to tell "
        "a previous run's state from this one's",
    )


class EventOut(serializers.Serializer):
    version = serializers.IntegerField(help_text="The room version this event produced")
    type = serializers.CharField()
    playerId = serializers.UUIDField(allow_null=True)  # noqa: N815
    data = AnyObjectField()
    createdAt = serializers.DateTimeField()  # noqa: N815


class EventsPageOut(serializers.Serializer):
    events = EventOut(many=True)
    nextAfter = serializers.IntegerField(help_text="Pass as `after` to get the next page")  # noqa: N815
    hasMore = serializers.BooleanField()  # noqa: N815
