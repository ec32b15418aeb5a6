"""Parsing of lobby client messages: `{type, requestId, ...fields}` as JSON text.

The chat messages and `setPublic` (and what the server sends for them: chatHistory,
chatMessage, chatDeleted, chatMuted, chatSpectators) are described in docs/architecture.md,
"Lobby chat and the public room browser".
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gamebuddies.errors import ValidationError
from gamebuddies.validation import check_json_nesting

CLIENT_MESSAGE_TYPES = {
    "auth",
    "sync",
    "ping",
    "updateStatus",
    "setReady",
    "selectGame",
    "startGame",
    "playAgain",
    "setProfile",
    "kick",
    "transferHost",
    "endGame",
    "leave",
    # Lobby chat and the public room browser (party features, issue 23)
    "chatSend",
    "chatDelete",
    "chatMute",
    "chatSpectators",
    "chatHistory",
    "setPublic",
}


@dataclass(frozen=True)
class ClientMessage:
    type: str
    request_id: str | int | None
    data: dict


def parse_client_message(text: str | None) -> ClientMessage:
    if not text:
        raise ValidationError("Send JSON text messages", field="body")
    check_json_nesting(text, field="body")  # before the recursive parser: an error ack, not a RecursionError
    try:
        body = json.loads(text)
    except ValueError:
        raise ValidationError("Message is not valid JSON", field="body") from None
    if not isinstance(body, dict):
        raise ValidationError("Message must be a JSON object", field="body")
    request_id = body.get("requestId")
    if request_id is not None and not (
        isinstance(request_id, str)
        and len(request_id) <= 64
        or isinstance(request_id, int)
        and not isinstance(request_id, bool)
    ):
        raise ValidationError("requestId must be a short string or a number", field="requestId")
    kind = body.get("type")
    if kind not in CLIENT_MESSAGE_TYPES:
        raise ValidationError(f"Unknown message type {kind!r}"[:100], field="type")
    return ClientMessage(type=kind, request_id=request_id, data=body)
