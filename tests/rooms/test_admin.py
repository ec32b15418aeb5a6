"""Staff run rooms from the admin: every action needs its own permission, goes through the
services (version, event with the staff member as actor, broadcast) and is audited (issue 19)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from gamebuddies.errors import ForbiddenError
from rooms import services
from rooms.models import Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room, player_actor
from tests.staff import action_names, log_messages, staff_client

pytestmark = pytest.mark.django_db

VIEW = ("rooms.view_room", "rooms.view_roommember")
CHANGELIST = "admin:rooms_room_changelist"
MEMBERS = "admin:rooms_roommember_changelist"


def in_game_room(quiz_game):
    room, seats = make_room(players=3, game_slug="quiz")
    services.game_start(room=room.pk, actor=player_actor(seats[0]))
    return Room.objects.get(pk=room.pk), seats


def room_url(name: str, room, *args) -> str:
    return reverse(f"admin:rooms_room_{name}", args=[room.pk, *args])


def member_of(seat) -> RoomMember:
    return RoomMember.objects.get(room_id=seat.room.pk, player_id=seat.player.pk)


@dataclass
class StaffAction:
    name: str
    permission: str
    send: Callable  # (client, room, seats) -> response
    done: Callable  # (room, seats) -> bool
    in_game: bool = False


ACTIONS = [
    StaffAction(
        "close action",
        "rooms.close_room",
        lambda c, room, s: c.post(reverse(CHANGELIST), {"action": "close_rooms", "_selected_action": [room.pk]}),
        lambda room, s: Room.objects.get(pk=room.pk).status == "finished",
    ),
    StaffAction(
        "close page",
        "rooms.close_room",
        lambda c, room, s: c.post(room_url("close", room)),
        lambda room, s: Room.objects.get(pk=room.pk).status == "finished",
    ),
    StaffAction(
        "return-to-lobby action",
        "rooms.return_to_lobby",
        lambda c, room, s: c.post(
            reverse(CHANGELIST), {"action": "return_rooms_to_lobby", "_selected_action": [room.pk]}
        ),
        lambda room, s: Room.objects.get(pk=room.pk).status == "lobby",
        in_game=True,
    ),
    StaffAction(
        "return-to-lobby page",
        "rooms.return_to_lobby",
        lambda c, room, s: c.post(room_url("lobby", room)),
        lambda room, s: Room.objects.get(pk=room.pk).status == "lobby",
        in_game=True,
    ),
    StaffAction(
        "kick page",
        "rooms.kick_member",
        lambda c, room, s: c.post(room_url("kick", room, s[1].player.pk)),
        lambda room, s: not RoomMember.objects.filter(room=room, player=s[1].player).exists(),
    ),
    StaffAction(
        "kick action",
        "rooms.kick_member",
        lambda c, room, s: c.post(
            reverse(MEMBERS), {"action": "kick_players", "_selected_action": [member_of(s[1]).pk]}
        ),
        lambda room, s: not RoomMember.objects.filter(room=room, player=s[1].player).exists(),
    ),
    StaffAction(
        "host page",
        "rooms.transfer_host",
        lambda c, room, s: c.post(room_url("host", room, s[1].player.pk)),
        lambda room, s: Room.objects.get(pk=room.pk).host_id == s[1].player.pk,
    ),
    StaffAction(
        "host action",
        "rooms.transfer_host",
        lambda c, room, s: c.post(reverse(MEMBERS), {"action": "make_host", "_selected_action": [member_of(s[1]).pk]}),
        lambda room, s: Room.objects.get(pk=room.pk).host_id == s[1].player.pk,
    ),
]


def _room_for(action: StaffAction, quiz_game):
    return in_game_room(quiz_game) if action.in_game else make_room(players=3)


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_staff_without_the_permission_cannot_act_and_nothing_changes(action, quiz_game):
    room, seats = _room_for(action, quiz_game)
    others = [a.permission for a in ACTIONS if a.permission != action.permission]
    client = staff_client("support", *VIEW, *others)
    response = action.send(client, room, seats)
    assert response.status_code in (200, 302, 403)  # 403, or an action the changelist does not offer
    assert Room.objects.get(pk=room.pk).version == room.version
    assert not action.done(room, seats)
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_staff_with_the_permission_acts_through_the_service_and_it_is_audited(action, quiz_game):
    room, seats = _room_for(action, quiz_game)
    client = staff_client("support", *VIEW, action.permission)
    response = action.send(client, room, seats)
    assert response.status_code == 302
    assert action.done(room, seats)
    after = Room.objects.get(pk=room.pk)
    assert after.version == room.version + 1
    event = RoomEvent.objects.get(room=room, room_version=after.version)
    assert event.event_data["actor"] == {"kind": "staff", "label": "admin:support"}
    assert log_messages(room, username="support"), "the room's history page lists the change"


@pytest.mark.parametrize("action", [a for a in ACTIONS if "page" in a.name], ids=lambda a: a.name)
def test_custom_room_pages_answer_403_without_the_permission(action, quiz_game):
    room, seats = _room_for(action, quiz_game)
    response = action.send(staff_client("viewer", *VIEW), room, seats)
    assert response.status_code == 403


def test_view_only_staff_see_rooms_but_are_offered_no_action_and_no_button():
    room, _ = make_room(players=2)
    client = staff_client("viewer", *VIEW)
    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200 and room.room_code in listing.content.decode()
    assert action_names(listing) == set()
    page = client.get(reverse("admin:rooms_room_change", args=[room.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "can look at rooms but not change them" in html
    assert room_url("close", room) not in html and "Kick</button>" not in html
    assert action_names(client.get(reverse(MEMBERS))) == set()


def test_staff_without_the_view_permission_do_not_see_rooms_at_all():
    room, _ = make_room()
    client = staff_client("nobody")
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse("admin:rooms_room_change", args=[room.pk])).status_code == 403
    assert "/admin/rooms/room/" not in client.get(reverse("admin:index")).content.decode()


def test_nobody_edits_or_deletes_rooms_through_forms_not_even_a_superuser():
    room, _ = make_room()
    client = staff_client("root", superuser=True)
    client.post(reverse("admin:rooms_room_change", args=[room.pk]), {"status": "finished"})
    assert Room.objects.get(pk=room.pk).status == "lobby"
    assert Room.objects.get(pk=room.pk).version == room.version
    assert client.get(reverse("admin:rooms_room_delete", args=[room.pk])).status_code == 403


def test_the_close_page_asks_before_closing():
    room, _ = make_room()
    client = staff_client("support", *VIEW, "rooms.close_room")
    page = client.get(room_url("close", room))
    assert page.status_code == 200 and "Yes, close the room" in page.content.decode()
    assert Room.objects.get(pk=room.pk).status == "lobby"


def test_the_services_refuse_a_staff_actor_without_the_permission():
    from gamebuddies.actors import Actor

    room, seats = make_room(players=2)
    bare = Actor.staff(label="admin:bare")
    for attempt in (
        lambda: services.room_close(room=room.pk, actor=bare),
        lambda: services.member_kick(room=room.pk, target_player_id=seats[1].player.pk, actor=bare),
        lambda: services.host_transfer(room=room.pk, new_host_id=seats[1].player.pk, actor=bare),
        lambda: services.game_end(room=room.pk, actor=bare),
    ):
        with pytest.raises(ForbiddenError):
            attempt()
    assert Room.objects.get(pk=room.pk).version == room.version
    services.room_close(room=room.pk, actor=Actor.staff(label="admin:ok", permissions={"rooms.close_room"}))
    assert Room.objects.get(pk=room.pk).status == "finished"


def test_kicking_writes_the_kick_on_the_room_and_the_seat_history():
    room, seats = make_room(players=2)
    seat = member_of(seats[1])
    client = staff_client("support", *VIEW, "rooms.kick_member")
    client.post(room_url("kick", room, seats[1].player.pk))
    assert log_messages(room) == [f"Kicked Player 1 ({seats[1].player.pk})"]
    deletion = LogEntry.objects.get(object_id=str(seat.pk), content_type__model="roommember")
    assert deletion.is_deletion() and deletion.change_message == f"Kicked from room {room.room_code}"


# -- the room list ------------------------------------------------------------------------
def test_room_list_shows_connected_over_total_players_and_filters_and_searches():
    busy, _ = make_room(players=3)
    quiet, _ = make_room(players=1)
    services.room_close(room=quiet.pk, actor=SYSTEM)
    services.room_join(room=busy.room_code, display_name="Zelda", actor=SYSTEM)
    client = staff_client("viewer", *VIEW)
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert ">4/4<" in listing and ">0/1<" in listing
    connected = client.get(reverse(CHANGELIST), {"connected": "yes"}).content.decode()
    assert busy.room_code in connected and quiet.room_code not in connected
    nobody = client.get(reverse(CHANGELIST), {"connected": "no"}).content.decode()
    assert quiet.room_code in nobody and busy.room_code not in nobody
    by_name = client.get(reverse(CHANGELIST), {"q": "zeld"}).content.decode()
    assert busy.room_code in by_name and quiet.room_code not in by_name
    by_code = client.get(reverse(CHANGELIST), {"q": quiet.room_code.lower()}).content.decode()
    assert quiet.room_code in by_code and busy.room_code not in by_code
    finished = client.get(reverse(CHANGELIST), {"status__exact": "finished"}).content.decode()
    assert quiet.room_code in finished and busy.room_code not in finished


def test_room_list_costs_the_same_queries_for_many_rooms(django_assert_max_num_queries):
    client = staff_client("viewer", *VIEW)
    make_room(players=2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(CHANGELIST)).status_code == 200
    for _ in range(6):
        make_room(players=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(CHANGELIST)).status_code == 200


# -- the room page ------------------------------------------------------------------------
def test_room_page_shows_the_live_snapshot_members_and_the_timeline(quiz_game):
    room, seats = in_game_room(quiz_game)
    services.update_player_status(room=room.pk, player_id=seats[1].player.pk, status="disconnected", actor=SYSTEM)
    client = staff_client("viewer", *VIEW)
    page = client.get(reverse("admin:rooms_room_change", args=[room.pk]))
    html = page.content.decode()
    room = Room.objects.get(pk=room.pk)
    assert f"Live snapshot (version {room.version})" in html
    assert "&quot;code&quot;: &quot;" + room.room_code in html  # the serializer's JSON, escaped
    for event in ("room_created", "player_joined", "game_started", "player_status_changed"):
        assert event in html
    assert "status game/in_game -&gt; disconnected/disconnected" in html  # a status-history row
    assert "History was pruned" not in html
    timeline = page.context["timeline"]
    versions = [entry.version for entry in timeline.entries]
    assert versions == sorted(versions) and versions[-1] == room.version


def test_room_page_shows_the_state_at_a_chosen_version(quiz_game):
    room, seats = make_room(players=3, game_slug="quiz")  # v1 created, v2 and v3 joins
    services.member_set_ready(room=room.pk, player_id=seats[1].player.pk, ready=True, actor=player_actor(seats[1]))
    client = staff_client("viewer", *VIEW)
    at_two = client.get(reverse("admin:rooms_room_change", args=[room.pk]), {"at": 2}).context["state_at"]
    assert at_two.version == 2 and at_two.complete
    assert [p["name"] for p in at_two.players] == ["Host", "Player 1"]
    assert not at_two.players[1]["ready"]
    now = client.get(reverse("admin:rooms_room_change", args=[room.pk])).context["state_at"]
    assert [p["name"] for p in now.players] == ["Host", "Player 1", "Player 2"]
    assert now.players[1]["ready"] and now.players[0]["role"] == "host"


def test_room_page_says_when_the_history_was_pruned():
    room, seats = make_room(players=3)
    RoomEvent.objects.filter(room=room, room_version__lt=3).delete()
    client = staff_client("viewer", *VIEW)
    html = client.get(reverse("admin:rooms_room_change", args=[room.pk])).content.decode()
    assert "History was pruned: the oldest event kept is version 3" in html
    assert "Replayed from version 3: the history before it was pruned" in html


def test_room_page_shows_player_names_as_text():
    room, _ = make_room(players=1)
    services.room_join(room=room.pk, display_name="<svg onload=alert(1)>", actor=SYSTEM)
    client = staff_client("root", superuser=True)
    page = client.get(reverse("admin:rooms_room_change", args=[room.pk])).content.decode()
    assert "<svg onload=alert(1)>" not in page
    assert "&lt;svg onload=alert(1)&gt;" in page
