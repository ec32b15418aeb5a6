"""Schema rules DRF serializers cannot state on their own, so the OpenAPI schema says what the
server enforces (issue 20: schemathesis found schema-valid requests the server refused).

- A status goes with certain locations only (rooms.services.status.ALLOWED_LOCATIONS): the
  status update body and each bulk-status row say so with `anyOf`, one branch per status.
- bulk-status takes 1 to MAX_BULK_PLAYERS rows; a room's `settings` need its `game`.
- Display names (`hostName`, `name`): the `display-name` format (NFKC, visible characters,
  no look-alike of a name already in the room) beside the length limits and a non-blank pattern.

Loaded by gameapi/openapi/__init__.py: drf-spectacular registers extensions when defined.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension

from gamebuddies.limits import MAX_BULK_PLAYERS
from rooms.services import ALLOWED_LOCATIONS

DISPLAY_NAME_FORMAT = "display-name"


def status_location_branches(*, location_required: bool) -> list[dict]:
    branches = []
    for status, locations in ALLOWED_LOCATIONS.items():
        # Patterns, not const (OpenAPI 3.0 has none; tools drop it) nor enum (drf-spectacular
        # would make a component of each one); the properties' own enums still list the words.
        branch = {
            "properties": {
                "status": {"pattern": f"^{status}$"},
                "location": {"pattern": f"^({'|'.join(sorted(map(str, locations)))})$"},
            },
            "required": ["status"],
        }
        branches.append(branch)
    if location_required:
        # A row may leave status out: the location alone decides.
        branches.append({"not": {"required": ["status"]}})
    return branches


class _StatusPairs(OpenApiSerializerExtension):
    location_required = False

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["anyOf"] = status_location_branches(location_required=self.location_required)
        return schema


class StatusUpdateSchema(_StatusPairs):
    target_class = "gameapi.inputs.StatusUpdate"


class BulkStatusRowSchema(_StatusPairs):
    target_class = "gameapi.inputs.BulkStatusRow"
    location_required = True


class BulkStatusSchema(OpenApiSerializerExtension):
    """`players` holds 1 to MAX_BULK_PLAYERS rows (DRF's ListSerializer limits are not in the schema)."""

    target_class = "gameapi.inputs.BulkStatus"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["properties"]["players"].update({"minItems": 1, "maxItems": MAX_BULK_PLAYERS})
        return schema


class RoomCreateSchema(OpenApiSerializerExtension):
    """`settings` only with a `game`: they are checked against that game's catalog schema."""

    target_class = "gameapi.inputs.RoomCreate"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["anyOf"] = [{"required": ["game"]}, {"not": {"required": ["settings"]}}]
        return schema


class DisplayNameFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "gameapi.inputs.DisplayNameField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        schema.update(
            {
                "format": DISPLAY_NAME_FORMAT,
                "pattern": r"\S",
                "description": "A player's display name: 1-24 visible characters after Unicode NFKC "
                "normalisation (no control or invisible characters, at most 2 accents per letter); "
                "names that look like one already in the room get 409 NAME_TAKEN",
            }
        )
        return schema
