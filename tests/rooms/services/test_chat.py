"""Lobby chat services (issue 23): who may write, what is kept, what the host can do, the limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from gamebuddies.actors import Actor
from gamebuddies.errors import ForbiddenError, RateLimitedError, ValidationError
from rooms import services
from rooms.chat_selectors import chat_history_message
from rooms.models import ChatAction, ChatMessage, ChatModeration, MemberRole, Room, RoomStatus
from rooms.services import chat
from rooms.services.retention import prune_rooms
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the per-seat window lives in the shared cache
    chat._seat_buckets.clear()


def spectator(room):
    return services.room_join(room=room.room_code, display_name="Watcher", actor=SYSTEM, role=MemberRole.SPECTATOR)


def test_a_player_message_is_stored_nfkc_normalised_and_returned_for_the_room():
    room, (host, guest) = make_room(players=2)
    sent = chat.chat_send(room=room.pk, actor=player_actor(guest), text="  ｈｉ <b>there</b>\n")
    assert sent["type"] == "chatMessage"
    assert sent["message"]["text"] == "hi <b>there</b>"  # stored as text; pages render it as text
    assert sent["message"]["name"] == "Player 1"
    assert ChatMessage.objects.get().text == "hi <b>there</b>"


@pytest.mark.parametrize("text", ["", "   ", "\u0000\u0007", "x" * 201, None, 5])
def test_empty_too_long_or_non_text_messages_are_refused(text):
    room, (host,) = make_room(players=1)
    with pytest.raises(ValidationError) as refused:
        chat.chat_send(room=room.pk, actor=player_actor(host), text=text)
    assert refused.value.field == "text"
    assert not ChatMessage.objects.exists()


def test_two_hundred_characters_after_nfkc_are_accepted():
    room, (host,) = make_room(players=1)
    # "ﬁ" is one character that NFKC makes two: the limit counts what is stored.
    assert chat.chat_send(room=room.pk, actor=player_actor(host), text="x" * 200)["message"]["text"] == "x" * 200
    with pytest.raises(ValidationError):
        chat.chat_send(room=room.pk, actor=player_actor(host), text="ﬁ" * 101)


def test_chat_never_bumps_the_room_version():
    room, (host, guest) = make_room(players=2)
    chat.chat_send(room=room.pk, actor=player_actor(guest), text="hello")
    message_id = ChatMessage.objects.get().pk
    chat.chat_mute(room=room.pk, actor=player_actor(host), target_player_id=guest.player.pk, muted=True)
    chat.chat_delete(room=room.pk, actor=player_actor(host), message_id=message_id)
    chat.chat_set_spectators(room=room.pk, actor=player_actor(host), allowed=True)
    assert Room.objects.get(pk=room.pk).version == room.version


def test_spectators_write_only_when_the_host_allows_it():
    room, (host,) = make_room(players=1)
    watcher = spectator(room)
    with pytest.raises(ForbiddenError):
        chat.chat_send(room=room.pk, actor=player_actor(watcher), text="can I?")
    chat.chat_set_spectators(room=room.pk, actor=player_actor(host), allowed=True)
    assert chat.chat_send(room=room.pk, actor=player_actor(watcher), text="thanks")["message"]["text"] == "thanks"
    chat.chat_set_spectators(room=room.pk, actor=player_actor(host), allowed=False)
    with pytest.raises(ForbiddenError):
        chat.chat_send(room=room.pk, actor=player_actor(watcher), text="again?")


def test_a_muted_player_is_refused_until_unmuted_and_both_are_recorded():
    room, (host, guest) = make_room(players=2)
    muted = chat.chat_mute(room=room.pk, actor=player_actor(host), target_player_id=guest.player.pk, muted=True)
    assert muted == {"type": "chatMuted", "playerId": str(guest.player.pk), "name": "Player 1", "muted": True}
    with pytest.raises(chat.ChatMutedError) as refused:
        chat.chat_send(room=room.pk, actor=player_actor(guest), text="let me talk")
    assert refused.value.code == "CHAT_MUTED"
    assert chat_history_message(room_id=room.pk)["muted"] == [str(guest.player.pk)]
    chat.chat_mute(room=room.pk, actor=player_actor(host), target_player_id=guest.player.pk, muted=False)
    chat.chat_send(room=room.pk, actor=player_actor(guest), text="thanks")
    assert list(ChatModeration.objects.order_by("id").values_list("action", flat=True)) == ["mute", "unmute"]
    assert chat_history_message(room_id=room.pk)["muted"] == []


def test_the_moderation_record_stays_bounded_and_keeps_every_rule_still_in_force(monkeypatch):
    monkeypatch.setattr(chat, "CHAT_MODERATION_KEPT", 3)
    room, (host, guest, other) = make_room(players=3)
    actor = player_actor(host)
    chat.chat_mute(room=room.pk, actor=actor, target_player_id=guest.player.pk, muted=True)  # oldest, in force
    for n in range(10):  # a host toggling the spectator rule over and over
        chat.chat_set_spectators(room=room.pk, actor=actor, allowed=n % 2 == 0)
    chat.chat_mute(room=room.pk, actor=actor, target_player_id=other.player.pk, muted=True)
    chat.chat_mute(room=room.pk, actor=actor, target_player_id=other.player.pk, muted=False)
    kept = list(ChatModeration.objects.filter(room=room).order_by("id").values_list("action", "target_id"))
    # The newest three, and the guest's mute from before them, which is still in force.
    assert kept == [
        ("mute", guest.player.pk),
        ("spectators_off", None),
        ("mute", other.player.pk),
        ("unmute", other.player.pk),
    ]
    history = chat_history_message(room_id=room.pk)
    assert history["muted"] == [str(guest.player.pk)] and history["spectatorsAllowed"] is False


def test_only_the_host_mutes_deletes_or_changes_the_spectator_rule():
    room, (host, guest, other) = make_room(players=3)
    chat.chat_send(room=room.pk, actor=player_actor(host), text="hi")
    message_id = ChatMessage.objects.get().pk
    actor = player_actor(guest)
    with pytest.raises(ForbiddenError):
        chat.chat_mute(room=room.pk, actor=actor, target_player_id=other.player.pk, muted=True)
    with pytest.raises(ForbiddenError):
        chat.chat_delete(room=room.pk, actor=actor, message_id=message_id)
    with pytest.raises(ForbiddenError):
        chat.chat_set_spectators(room=room.pk, actor=actor, allowed=True)
    assert not ChatModeration.objects.exists()


def test_a_session_of_another_room_cannot_write_here():
    room, _ = make_room(players=1)
    other_room, (other_host,) = make_room(players=1)
    with pytest.raises(ForbiddenError):
        chat.chat_send(room=room.pk, actor=player_actor(other_host), text="hello from elsewhere")


def test_a_deleted_message_leaves_the_history_and_its_text_stays_on_record_for_staff():
    room, (host, guest) = make_room(players=2)
    chat.chat_send(room=room.pk, actor=player_actor(guest), text="rude words")
    message_id = ChatMessage.objects.get().pk
    deleted = chat.chat_delete(room=room.pk, actor=player_actor(host), message_id=message_id)
    assert deleted == {"type": "chatDeleted", "messageId": message_id, "by": "Host"}
    assert chat_history_message(room_id=room.pk)["messages"] == []
    record = ChatModeration.objects.get(action=ChatAction.DELETE)
    assert record.detail["text"] == "rude words" and record.target_id == guest.player.pk


def test_the_newest_fifty_messages_are_kept_and_sent_oldest_first(settings):
    room, (host,) = make_room(players=1)
    for n in range(55):
        ChatMessage.objects.create(room=room, player=host.player, author_name="Host", text=f"old {n}")
    chat.chat_send(room=room.pk, actor=player_actor(host), text="newest")
    assert ChatMessage.objects.filter(room=room).count() == 50
    texts = [m["text"] for m in chat_history_message(room_id=room.pk)["messages"]]
    assert texts[0] == "old 6" and texts[-1] == "newest" and len(texts) == 50


def test_the_history_of_one_room_is_two_queries(django_assert_num_queries):
    room, (host, guest) = make_room(players=2)
    for n in range(5):
        chat.chat_send(room=room.pk, actor=player_actor(guest), text=f"line {n}")
    with django_assert_num_queries(2):
        chat_history_message(room_id=room.pk)


def test_a_seats_chat_bucket_allows_a_burst_then_refills():
    room, (host,) = make_room(players=1)
    seat = {"room_id": room.pk, "player_id": host.player.pk}
    assert all(chat.seat_chat_bucket(**seat, rate=1000, burst=3) for _ in range(3))
    chat._seat_buckets.clear()
    taken = [chat.seat_chat_bucket(**seat, rate=0.001, burst=3) for _ in range(5)]
    assert taken == [True, True, True, False, False]


def test_past_the_shared_per_seat_window_messages_are_refused(monkeypatch):
    monkeypatch.setattr(chat, "CHAT_RATE_PER_SEAT", "3/m")
    room, (host,) = make_room(players=1)
    for n in range(3):
        chat.chat_send(room=room.pk, actor=player_actor(host), text=f"line {n}")
    with pytest.raises(RateLimitedError):
        chat.chat_send(room=room.pk, actor=player_actor(host), text="one too many")
    assert ChatMessage.objects.count() == 3


def test_the_chat_goes_with_the_room_in_the_retention_sweep():
    room, (host, guest) = make_room(players=2)
    chat.chat_send(room=room.pk, actor=player_actor(guest), text="bye")
    chat.chat_mute(room=room.pk, actor=player_actor(host), target_player_id=guest.player.pk, muted=True)
    Room.objects.filter(pk=room.pk).update(status=RoomStatus.FINISHED)
    long_ago = room.created_at - timedelta(days=400)  # the sweep narrows by created_at, decides by updated_at
    Room.objects.filter(pk=room.pk).update(created_at=long_ago, updated_at=long_ago)
    assert prune_rooms() == 1
    assert not ChatMessage.objects.exists() and not ChatModeration.objects.exists()


def test_staff_and_api_keys_do_not_chat_over_the_socket_services():
    room, _ = make_room(players=1)
    for actor in (Actor.staff(), Actor.api_key(api_key_id=1, game_slug=None)):
        with pytest.raises(ForbiddenError):
            chat.chat_send(room=room.pk, actor=actor, text="hello")
