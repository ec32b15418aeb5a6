"""The host lists a lobby in the public room browser (`/rooms/`), or takes it off.

A room setting like any other: locked, host only, one versioned change with its snapshot
(`isPublic` in the room fields), so every page of the room sees the switch.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gamebuddies.actors import Actor
from gamebuddies.errors import ValidationError

from ..locks import RoomRef, lock_room, members_of_locked_room
from ..permissions import acting_member, authorize_room, require_host
from .changes import RoomChange, commit_room_change


@transaction.atomic
def room_set_public(*, room: RoomRef, actor: Actor, public) -> RoomChange:
    if not isinstance(public, bool):
        raise ValidationError(_("public must be true or false"), field="public")
    locked = lock_room(room)
    authorize_room(actor, locked)
    require_host(actor, acting_member(actor, members_of_locked_room(locked)))
    return commit_room_change(
        room=locked,
        event="room_visibility_changed",
        actor=actor,
        changes={"isPublic": public},
        room_fields={"is_public": public},
    )
