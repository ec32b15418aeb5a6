"""Lobby chat: send, and the host's moderation (delete a message, mute a player, let spectators write).

Chat lives in its own tables (rooms/models.py ChatMessage, ChatModeration) and never touches
the room row: no version bump, no event, no room snapshot. Each service takes the room lock
(the one order every room write follows), checks the rules (rooms/permissions.py), writes,
and returns the socket message that tells the room; the caller broadcasts it, which it can
only do once the service's transaction has committed.

Limits, all before or beside the database: the socket's frame bucket (rooms/consumers.py),
a per-seat token bucket for chat lines in this process (`seat_chat_bucket`, checked before
any database work), and a per-seat window in the shared cache (`CHAT_RATE_PER_SEAT`) so a seat
with sockets on several workers is held to the same budget.
"""

from __future__ import annotations

import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from gamebuddies.actors import Actor
from gamebuddies.errors import ForbiddenError, NotFoundError, PlayerNotFoundError, ValidationError
from gamebuddies.limits import (
    CHAT_MESSAGE_BURST,
    CHAT_MESSAGE_MAX_CHARS,
    CHAT_MESSAGES_KEPT,
    CHAT_MESSAGES_PER_SECOND,
    CHAT_MODERATION_KEPT,
    CHAT_RATE_PER_SEAT,
)
from gamebuddies.ratelimits import TokenBuckets, hit

from ..chat_selectors import chat_is_muted, chat_message_fields, chat_spectators_allowed
from ..locks import RoomRef, lock_room
from ..models import ChatAction, ChatMessage, ChatModeration, RoomMember
from ..permissions import authorize_room, require_chat_sender, require_host


class ChatMutedError(ForbiddenError):
    code = "CHAT_MUTED"
    default_message = "The host has muted you in the chat"


class ChatMessageNotFoundError(NotFoundError):
    code = "CHAT_MESSAGE_NOT_FOUND"
    default_message = "That message is no longer there"


# -- rate limit --------------------------------------------------------------------
_seat_buckets = TokenBuckets(max_keys=10_000)


def seat_chat_bucket(
    *, room_id, player_id, rate: float = CHAT_MESSAGES_PER_SECOND, burst: float = CHAT_MESSAGE_BURST
) -> bool:
    """Take one chat token for this seat (shared by its sockets in this process); False when empty."""
    return _seat_buckets.take((str(room_id), str(player_id)), rate=rate, capacity=burst)


# -- text ----------------------------------------------------------------------------
def normalize_chat_text(text) -> str:
    """NFKC, control characters dropped (line breaks become spaces), trimmed; 1-200 characters."""
    if not isinstance(text, str):
        raise ValidationError(_("Write a message"), field="text")
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if ch in "\r\n\t" else ch for ch in text if ch in "\r\n\t" or unicodedata.category(ch) != "Cc")
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a message"), field="text")
    if len(text) > CHAT_MESSAGE_MAX_CHARS:
        raise ValidationError(
            _("Messages are at most %(max)d characters") % {"max": CHAT_MESSAGE_MAX_CHARS}, field="text"
        )
    return text


def _member(room, player_id) -> RoomMember | None:
    return RoomMember.objects.select_related("player").filter(room=room, player_id=player_id).first()


def _host_member(actor: Actor, room) -> RoomMember | None:
    member = _member(room, actor.player_id) if actor.is_player else None
    require_host(actor, member)
    if not actor.is_player:  # staff moderate in the admin, not over a socket
        raise ForbiddenError(_("Chat moderation is for the host"))
    return member


def _record_moderation(room, **fields) -> None:
    """Add to the room's moderation record and keep it bounded: the newest
    CHAT_MODERATION_KEPT entries stay, and so does each entry still in force (the latest mute
    or unmute of each player, the latest spectator rule), which the chat's state is read from."""
    ChatModeration.objects.create(room=room, **fields)
    rows = list(ChatModeration.objects.filter(room=room).order_by("-id").values_list("id", "action", "target_id"))
    if len(rows) <= CHAT_MODERATION_KEPT:
        return
    in_force, old = set(), []
    for index, (pk, action, target_id) in enumerate(rows):
        key = None if action == ChatAction.DELETE else (action in _SPECTATOR_ACTIONS, target_id)
        if key is not None and key not in in_force:
            in_force.add(key)
        elif index >= CHAT_MODERATION_KEPT:
            old.append(pk)
    ChatModeration.objects.filter(pk__in=old).delete()


_SPECTATOR_ACTIONS = (ChatAction.SPECTATORS_ON, ChatAction.SPECTATORS_OFF)


# -- services ------------------------------------------------------------------------
@transaction.atomic
def chat_send(*, room: RoomRef, actor: Actor, text) -> dict:
    """Post a chat line; the `chatMessage` socket message for the room."""
    clean = normalize_chat_text(text)
    if actor.is_player:  # counted before the lock: no Redis round trip while the room row is held
        hit(group="chat-seat", value=f"{getattr(room, 'pk', room)}:{actor.player_id}", rate=CHAT_RATE_PER_SEAT)
    locked = lock_room(room)
    authorize_room(actor, locked)
    member = _member(locked, actor.player_id) if actor.is_player else None
    spectators = member is not None and member.role == "spectator" and chat_spectators_allowed(room_id=locked.pk)
    require_chat_sender(actor, member, spectators_allowed=spectators)
    if chat_is_muted(room_id=locked.pk, player_id=member.player_id):
        raise ChatMutedError(_("The host has muted you in the chat"))
    message = ChatMessage.objects.create(
        room=locked, player_id=member.player_id, author_name=member.player.display_name, text=clean
    )
    # Keep the newest CHAT_MESSAGES_KEPT: everything older than the oldest kept one goes.
    cutoff = (
        ChatMessage.objects.filter(room=locked).order_by("-id").values_list("id", flat=True)[CHAT_MESSAGES_KEPT:][:1]
    )
    cutoff = list(cutoff)
    if cutoff:
        ChatMessage.objects.filter(room=locked, id__lte=cutoff[0]).delete()
    return {"type": "chatMessage", "message": chat_message_fields(message)}


@transaction.atomic
def chat_delete(*, room: RoomRef, actor: Actor, message_id) -> dict:
    """The host deletes a message (recorded with its text for staff); `chatDeleted`."""
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise ValidationError(_("messageId must be a message id"), field="messageId")
    locked = lock_room(room)
    authorize_room(actor, locked)
    host = _host_member(actor, locked)
    message = ChatMessage.objects.filter(room=locked, pk=message_id).first()
    if message is None:
        raise ChatMessageNotFoundError(_("That message is no longer there"))
    _record_moderation(
        locked,
        actor_id=host.player_id,
        target_id=message.player_id,
        action=ChatAction.DELETE,
        detail={"messageId": message.pk, "name": message.author_name, "text": message.text},
    )
    message.delete()
    return {"type": "chatDeleted", "messageId": message_id, "by": host.player.display_name}


@transaction.atomic
def chat_mute(*, room: RoomRef, actor: Actor, target_player_id, muted) -> dict:
    """The host mutes or unmutes a player in the chat (recorded); `chatMuted`."""
    if not isinstance(muted, bool):
        raise ValidationError(_("muted must be true or false"), field="muted")
    locked = lock_room(room)
    authorize_room(actor, locked)
    host = _host_member(actor, locked)
    target = _member(locked, target_player_id)
    if target is None:
        raise PlayerNotFoundError()
    if target.player_id == host.player_id:
        raise ValidationError(_("The host cannot mute themselves"), field="playerId")
    _record_moderation(
        locked,
        actor_id=host.player_id,
        target_id=target.player_id,
        action=ChatAction.MUTE if muted else ChatAction.UNMUTE,
    )
    return {"type": "chatMuted", "playerId": str(target.player_id), "name": target.player.display_name, "muted": muted}


@transaction.atomic
def chat_set_spectators(*, room: RoomRef, actor: Actor, allowed) -> dict:
    """The host lets spectators write in the chat, or stops them (recorded); `chatSpectators`."""
    if not isinstance(allowed, bool):
        raise ValidationError(_("allowed must be true or false"), field="allowed")
    locked = lock_room(room)
    authorize_room(actor, locked)
    host = _host_member(actor, locked)
    _record_moderation(
        locked,
        actor_id=host.player_id,
        action=ChatAction.SPECTATORS_ON if allowed else ChatAction.SPECTATORS_OFF,
    )
    return {"type": "chatSpectators", "allowed": allowed}
