"""Request parsing for the Game API: camelCase JSON in, strict types, clear field names."""

from __future__ import annotations

from rest_framework import serializers

from gamebuddies.errors import ValidationError
from gamebuddies.limits import MAX_BULK_PLAYERS, MAX_GAME_RESULT_BYTES, MAX_METADATA_BYTES, MAX_PLAYERS_PER_ROOM
from players.avatars import AVATAR_COLOURS, AVATARS
from players.names import MAX_NAME_LENGTH, clean_display_name
from rooms.models import Location, MemberRole, PlayerStatus

from .fields import (
    JsonDocumentField,
    JsonObjectField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictUUIDField,
)

MAX_EVENTS_PAGE = 200
MAX_VERSION = 2**31 - 1  # versions are PostgreSQL integers; a larger expectedVersion can never match


def _display_name(value: str, field: str) -> str:
    try:
        return clean_display_name(value, field=field)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.message)


class DisplayNameField(StrictCharField):
    """A player's name; the OpenAPI schema documents it as the `display-name` format
    (gameapi/openapi/extensions.py), the rules are players.names.clean_display_name's."""

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=MAX_NAME_LENGTH, trim_whitespace=False, **kwargs)


class RoomCreate(serializers.Serializer):
    hostName = DisplayNameField()  # noqa: N815
    game = StrictCharField(required=False, max_length=50, help_text="Slug of a catalog game")
    maxPlayers = StrictIntegerField(required=False, min_value=1, max_value=MAX_PLAYERS_PER_ROOM)  # noqa: N815
    settings = JsonObjectField(required=False, help_text="The game's settings, checked against its catalog schema")
    avatar = StrictChoiceField(choices=list(AVATARS), required=False, help_text="The host's avatar")
    avatarColour = StrictIntegerField(required=False, min_value=0, max_value=AVATAR_COLOURS - 1)  # noqa: N815

    def validate_hostName(self, value):  # noqa: N802
        return _display_name(value, "hostName")


# The body that seats a player or spectator (its answer: openapi.responses.SeatOut). A comment,
# not a docstring: drf-spectacular would publish a docstring as the schema's description.
class SeatRequest(serializers.Serializer):
    name = DisplayNameField()
    role = StrictChoiceField(choices=[MemberRole.PLAYER, MemberRole.SPECTATOR], default=MemberRole.PLAYER)
    avatar = StrictChoiceField(choices=list(AVATARS), required=False, help_text="The player's avatar")
    avatarColour = StrictIntegerField(required=False, min_value=0, max_value=AVATAR_COLOURS - 1)  # noqa: N815

    def validate_name(self, value):
        return _display_name(value, "name")

    class Meta:
        # The schema's component stays "Seat" (shown as SeatRequest with split request components).
        ref_name = "Seat"


class SessionValidate(serializers.Serializer):
    sessionToken = StrictCharField(max_length=100, trim_whitespace=False)  # noqa: N815


class StatusUpdate(serializers.Serializer):
    status = StrictChoiceField(choices=PlayerStatus.choices)
    location = StrictChoiceField(choices=Location.choices, required=False)
    metadata = JsonObjectField(required=False, max_bytes=MAX_METADATA_BYTES)
    expectedVersion = StrictIntegerField(required=False, min_value=0, max_value=MAX_VERSION)  # noqa: N815
    waitForBroadcast = StrictBooleanField(required=False, default=False)  # noqa: N815


class Heartbeat(serializers.Serializer):
    metadata = JsonObjectField(required=False, max_bytes=MAX_METADATA_BYTES)


class BulkStatusRow(serializers.Serializer):
    playerId = StrictUUIDField()  # noqa: N815
    location = StrictChoiceField(choices=Location.choices)
    status = StrictChoiceField(choices=PlayerStatus.choices, required=False)
    gameData = JsonObjectField(required=False, max_bytes=MAX_METADATA_BYTES)  # noqa: N815


class BulkStatus(serializers.Serializer):
    players = BulkStatusRow(many=True, min_length=1, max_length=MAX_BULK_PLAYERS, allow_empty=False)
    reason = StrictCharField(required=False, default="", allow_blank=True, max_length=200)


class GameStart(serializers.Serializer):
    settings = JsonObjectField(
        required=False, max_bytes=16 * 1024, help_text="The game's settings, checked against its catalog schema"
    )


class GameEnd(serializers.Serializer):
    gameResult = JsonObjectField(required=False, max_bytes=MAX_GAME_RESULT_BYTES)  # noqa: N815
    returnPlayers = StrictBooleanField(required=False, default=True)  # noqa: N815


class GameStateSave(serializers.Serializer):
    game = StrictCharField(max_length=50)
    state = JsonDocumentField(help_text="The game's state: a JSON object or array, at most 256 KB")
    expectedVersion = StrictIntegerField(required=False, min_value=0, max_value=MAX_VERSION)  # noqa: N815


class GameStateQuery(serializers.Serializer):
    game = serializers.CharField(required=False, max_length=50, help_text="Game slug; defaults to the key's game")


class QueryIntegerField(serializers.IntegerField):
    """A query parameter given empty (`?after=`) is an invalid integer, not a missing one."""

    def get_value(self, dictionary):
        value = dictionary.get(self.field_name, serializers.empty)
        return value if value == "" else super().get_value(dictionary)


class EventsQuery(serializers.Serializer):
    after = QueryIntegerField(required=False, default=0, min_value=0, help_text="Room version to start after")
    limit = QueryIntegerField(required=False, default=50, min_value=1, max_value=MAX_EVENTS_PAGE)
