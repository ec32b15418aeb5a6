"""The floor's socket: enough of the lobby protocol for bench/lobby.py.

The first message must be {"type": "auth", ...} (the token is not checked: no database);
the socket then joins the room's group, gets the room's snapshot, and from then on every
roomStateUpdate published to the room.
"""

from __future__ import annotations

import json

from channels.generic.websocket import AsyncWebsocketConsumer

from .snapshot import group_name, next_version, room_state_update, to_json

CLOSE_UNAUTHENTICATED = 4401


class RoomSocket(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        self.code = self.scope["url_route"]["kwargs"]["code"]
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        if self.group is not None:
            return
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "auth":
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = group_name(self.code)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send(text_data=to_json(room_state_update(self.code, next_version(), event="player_connected")))

    async def room_state(self, event):
        await self.send(text_data=event["text"])

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
