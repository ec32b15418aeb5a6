"""An unauthenticated socket frame of 5,000 nested arrays gets an error ack, not a dropped socket (issue 18 #8)."""

import logging

import pytest
from channels.testing import WebsocketCommunicator

from gamebuddies.asgi import application
from tests.rooms.sockets import make_room_async, request


@pytest.mark.django_db(transaction=True)
async def test_an_unauthenticated_frame_of_5000_nested_arrays_gets_an_error_ack_and_the_socket_stays(caplog):
    room, seats = await make_room_async(players=2)
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.room_code}/")
    assert (await communicator.connect())[0]
    with caplog.at_level(logging.WARNING):
        await communicator.send_to(text_data="[" * 5000 + "]" * 5000)
        refused = await communicator.receive_json_from(timeout=3)
    assert refused["type"] == "ack" and refused["success"] is False
    assert refused["error"]["code"] == "VALIDATION_ERROR" and "nested too deeply" in refused["error"]["error"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The connection is still there and still usable: the client can authenticate on it.
    ack = await request(communicator, "a1", {"type": "auth", "token": seats[1].token})
    assert ack["success"] is True
    await communicator.disconnect()
