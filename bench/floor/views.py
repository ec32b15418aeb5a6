"""The floor's HTTP side: the status update path of GameBuddies, publishing only."""

from __future__ import annotations

import json

from channels.layers import get_channel_layer
from django.http import JsonResponse

from .snapshot import group_name, next_version, room_state_update, to_json

STATE_MESSAGE_TYPE = "room.state"  # handled by RoomSocket.room_state


async def healthz(request):
    return JsonResponse({"status": "ok"})


async def status(request, code: str, player_id: str):
    if request.method != "POST":
        return JsonResponse({"success": False, "error": {"code": "METHOD_NOT_ALLOWED"}}, status=405)
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JsonResponse({"success": False, "error": {"code": "VALIDATION_ERROR"}}, status=400)
    version = next_version()
    text = to_json(room_state_update(code, version, event="player_status_changed", player_id=player_id, body=body))
    await get_channel_layer().group_send(group_name(code), {"type": STATE_MESSAGE_TYPE, "text": text})
    return JsonResponse({"success": True, "roomVersion": version})
