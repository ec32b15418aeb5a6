"""Reading the lobby chat: the kept messages, who is muted, whether spectators may write.

Mutes and the spectator switch are not stored as state: the latest moderation record of each
kind decides (rooms/models.py ChatModeration), so the record and the rule cannot disagree.
"""

from __future__ import annotations

from gamebuddies.limits import CHAT_MESSAGES_KEPT

from .models import ChatAction, ChatMessage, ChatModeration


def chat_message_fields(message: ChatMessage) -> dict:
    return {
        "id": message.pk,
        "playerId": str(message.player_id) if message.player_id else None,
        "name": message.author_name,
        "text": message.text,
        "createdAt": message.created_at.isoformat().replace("+00:00", "Z"),
    }


def chat_messages(*, room_id, limit: int = CHAT_MESSAGES_KEPT) -> list[ChatMessage]:
    """The newest `limit` messages of a room, oldest first (one query)."""
    newest = list(ChatMessage.objects.filter(room_id=room_id).order_by("-id")[:limit])
    newest.reverse()
    return newest


def chat_is_muted(*, room_id, player_id) -> bool:
    last = (
        ChatModeration.objects.filter(
            room_id=room_id, target_id=player_id, action__in=[ChatAction.MUTE, ChatAction.UNMUTE]
        )
        .order_by("-id")
        .values_list("action", flat=True)
        .first()
    )
    return last == ChatAction.MUTE


def chat_spectators_allowed(*, room_id) -> bool:
    last = (
        ChatModeration.objects.filter(room_id=room_id, action__in=[ChatAction.SPECTATORS_ON, ChatAction.SPECTATORS_OFF])
        .order_by("-id")
        .values_list("action", flat=True)
        .first()
    )
    return last == ChatAction.SPECTATORS_ON


def chat_moderation_state(*, room_id) -> tuple[list[str], bool]:
    """(muted player ids, spectators allowed) from the room's moderation record (one query)."""
    muted: dict[str, bool] = {}
    spectators = False
    rows = ChatModeration.objects.filter(room_id=room_id).exclude(action=ChatAction.DELETE).order_by("id")
    for target_id, action in rows.values_list("target_id", "action"):
        if action in (ChatAction.MUTE, ChatAction.UNMUTE):
            muted[str(target_id)] = action == ChatAction.MUTE
        else:
            spectators = action == ChatAction.SPECTATORS_ON
    return sorted(pid for pid, on in muted.items() if on), spectators


def chat_history_message(*, room_id) -> dict:
    """The `chatHistory` socket message a (re)connecting page gets (two queries)."""
    muted, spectators = chat_moderation_state(room_id=room_id)
    return {
        "type": "chatHistory",
        "messages": [chat_message_fields(m) for m in chat_messages(room_id=room_id)],
        "muted": muted,
        "spectatorsAllowed": spectators,
    }
