"""The shape every room change takes: lock the room (rooms/locks.py), write, then commit_room_change.

`commit_room_change` issues the one UPDATE of the room row that the version trigger turns
into exactly one version bump, records the RoomEvent, runs the other apps' in-transaction
hooks, builds the snapshot under the lock and schedules its broadcast for after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from gamebuddies import metrics
from gamebuddies.actors import Actor

from ..broadcast import BroadcastTicket, broadcaster
from ..models import Room, RoomEvent, RoomMember
from ..selectors import room_members
from ..snapshot import room_state_update, to_json


@dataclass
class RoomChange:
    room: Room
    members: list[RoomMember]
    event: str
    ticket: BroadcastTicket
    state: dict = field(repr=False)
    event_id: int | None = None  # the RoomEvent recording this change

    @property
    def version(self) -> int:
        return self.room.version

    def member(self, player_id) -> RoomMember | None:
        return next((m for m in self.members if m.player_id == player_id), None)


def commit_room_change(
    *,
    room: Room,
    event: str,
    actor: Actor,
    changes: dict | None = None,
    room_fields: dict | None = None,
    player_id=None,
    bump: bool = True,
    members: list[RoomMember] | None = None,
) -> RoomChange:
    """Finish a change to a locked room inside the caller's transaction.

    One UPDATE of the room (the trigger adds exactly one to `version`), one RoomEvent,
    one snapshot, one broadcast after commit. `bump=False` is only for the insert
    that creates a room (its first version is 1). A caller that already holds every
    member as written (in join order) may pass `members` to save the snapshot's query.
    """
    now = timezone.now()
    if bump:
        fields = {"last_activity": now, "updated_at": now, **(room_fields or {})}
        Room.objects.filter(pk=room.pk).update(**fields)
        for name, value in fields.items():
            setattr(room, name, value)
        # Holding the row lock, the trigger's OLD.version is the one we read.
        room.version += 1
    changes = changes or {}
    event_row = RoomEvent.objects.create(
        room=room,
        player_id=player_id,
        event_type=event,
        event_data={**changes, "actor": actor.as_event_data()},
        room_version=room.version,
    )
    members = list(room_members(room=room)) if members is None else members
    payload = room_state_update(room, members, event=event, changes=changes)
    ticket = broadcaster.broadcast_on_commit(
        group=room.group_name,
        room_id=room.pk,
        version=room.version,
        payload_json=to_json(payload),
        extra=_consumer_hints(event, changes),
    )
    _run_in_transaction_hooks(room=room, event=event, changes=changes, payload=payload)
    transaction.on_commit(lambda: metrics.room_changes.labels(event).inc())
    return RoomChange(
        room=room, members=members, event=event, ticket=ticket, state=payload["state"], event_id=event_row.pk
    )


def _consumer_hints(event: str, changes: dict) -> dict:
    """What sockets must do besides forwarding the snapshot: drop removed seats, close on room end."""
    if event in ("player_kicked", "player_left"):
        return {"removed": [changes["playerId"]]}
    if event in ("room_closed", "room_abandoned"):
        return {"closed": True}
    return {}


# Other apps' writes that belong to every room change (the webhook outbox), registered by
# GameApiConfig.ready through `register_in_transaction_hook`. They run inside the change's
# transaction, before it commits, so what they write commits or rolls back with the change.
IN_TRANSACTION_HOOKS: list = []
# For each hook, an async probe `(room) -> bool`: would the hook write anything for a change
# to this room? Paths that write without the ORM (fast_status) ask first and hand rooms
# with side effects to the ORM path. Probes must not block the event loop.
IN_TRANSACTION_HOOK_PROBES: list = []


def register_in_transaction_hook(hook, *, probe) -> None:
    """Add a hook (once, however often an app's ready() runs) and its probe."""
    if hook not in IN_TRANSACTION_HOOKS:
        IN_TRANSACTION_HOOKS.append(hook)
        IN_TRANSACTION_HOOK_PROBES.append(probe)


def _run_in_transaction_hooks(*, room: Room, event: str, changes: dict, payload: dict) -> None:
    for hook in IN_TRANSACTION_HOOKS:
        hook(room=room, event=event, changes=changes, payload=payload)


async def room_change_has_side_effects(room: Room) -> bool:
    for probe in IN_TRANSACTION_HOOK_PROBES:
        if await probe(room):
            return True
    return False
