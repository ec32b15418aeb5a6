"""Request shapes of the original API v2, parsed as leniently as the original read them.

Games send `null` for optional fields (the unified server's `gameData: null`), so optional
fields allow null; types are still checked (a string is not an object). Status words are
checked by words.resolve, which names the valid ones the way the original did.
"""

from __future__ import annotations

from rest_framework import serializers

from gamebuddies.limits import MAX_BULK_PLAYERS, MAX_GAME_RESULT_BYTES, MAX_METADATA_BYTES
from players.names import MAX_NAME_LENGTH

from ..fields import JsonDocumentField, JsonObjectField, StrictBooleanField, StrictCharField

REASON_LENGTH = 200


def _object(**kwargs):
    return JsonObjectField(required=False, allow_null=True, max_bytes=MAX_METADATA_BYTES, **kwargs)


def _reason():
    return StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=REASON_LENGTH)


class ValidateQuery(serializers.Serializer):
    playerName = serializers.CharField(required=False, max_length=MAX_NAME_LENGTH * 4)  # noqa: N815
    playerId = serializers.CharField(required=False, max_length=64)  # noqa: N815
    sessionToken = serializers.CharField(required=False, max_length=100)  # noqa: N815


class StatusReport(serializers.Serializer):
    status = StrictCharField(max_length=32)
    location = StrictCharField(required=False, allow_null=True, max_length=32)
    metadata = _object()
    gameData = _object()  # noqa: N815
    reason = _reason()
    syncSession = StrictBooleanField(required=False, default=False)  # noqa: N815
    # Only from a page's disconnect beacon, which cannot send the X-API-Key header.
    sessionToken = StrictCharField(required=False, max_length=100, trim_whitespace=False)  # noqa: N815


class HeartbeatReport(serializers.Serializer):
    metadata = _object()


class BulkRow(serializers.Serializer):
    playerId = StrictCharField(max_length=64)  # noqa: N815
    location = StrictCharField(required=False, allow_null=True, max_length=32)
    status = StrictCharField(required=False, allow_null=True, max_length=32)
    reason = _reason()
    gameData = _object()  # noqa: N815


class BulkReport(serializers.Serializer):
    players = BulkRow(many=True, allow_empty=False, max_length=MAX_BULK_PLAYERS)
    reason = _reason()
    gameState = JsonDocumentField(required=False, allow_null=True)  # noqa: N815
    returnToLobby = StrictBooleanField(required=False, default=False)  # noqa: N815


class GameEnd(serializers.Serializer):
    gameResult = JsonObjectField(required=False, allow_null=True, max_bytes=MAX_GAME_RESULT_BYTES)  # noqa: N815
    returnPlayers = StrictBooleanField(required=False, default=True)  # noqa: N815


class Reason(serializers.Serializer):
    reason = _reason()


class SessionRecover(serializers.Serializer):
    sessionToken = StrictCharField(max_length=100, trim_whitespace=False)  # noqa: N815
    socketId = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=200)  # noqa: N815


class ExternalReturn(serializers.Serializer):
    roomCode = StrictCharField(max_length=12)  # noqa: N815
    returnAll = StrictBooleanField(required=False, default=True)  # noqa: N815
    playerId = StrictCharField(required=False, allow_null=True, max_length=64)  # noqa: N815
    playerName = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=100)  # noqa: N815
    initiatedBy = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=100)  # noqa: N815
    reason = _reason()
    metadata = _object()
    sessionToken = StrictCharField(required=False, allow_null=True, max_length=100, trim_whitespace=False)  # noqa: N815
