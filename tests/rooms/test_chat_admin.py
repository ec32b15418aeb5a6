"""Staff read a room's chat in the admin (issue 23): read-only, and only with the chat's view permission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rooms.models import ChatMessage
from rooms.services import chat
from tests.factories import make_room, player_actor
from tests.staff import staff_client

pytestmark = pytest.mark.django_db

ROOM_VIEW = "rooms.view_room"


def room_with_chat():
    room, (host, guest) = make_room(players=2)
    chat.chat_send(room=room.pk, actor=player_actor(guest), text="<script>hi</script> there")
    chat.chat_send(room=room.pk, actor=player_actor(guest), text="rude words")
    rude = ChatMessage.objects.get(text="rude words")
    chat.chat_delete(room=room.pk, actor=player_actor(host), message_id=rude.pk)
    return room


def test_staff_with_the_chat_permissions_read_messages_and_moderation_as_text():
    room = room_with_chat()
    client = staff_client("reader", ROOM_VIEW, "rooms.view_chatmessage", "rooms.view_chatmoderation")
    html = client.get(reverse("admin:rooms_room_change", args=[room.pk])).content.decode()
    assert "&lt;script&gt;hi&lt;/script&gt; there" in html and "<script>hi</script>" not in html
    assert "rude words" in html  # the deleted message's text, kept in the moderation record
    assert 'name="chat_messages-0-text"' not in html  # read-only: no form field


def test_staff_without_the_chat_permission_see_the_room_but_not_its_chat():
    room = room_with_chat()
    client = staff_client("viewer", ROOM_VIEW)
    page = client.get(reverse("admin:rooms_room_change", args=[room.pk]))
    assert page.status_code == 200
    assert "&lt;script&gt;hi" not in page.content.decode() and "rude words" not in page.content.decode()
