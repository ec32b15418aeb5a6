"""Staff run rooms from the admin through the services (issue: foundation / staff)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from rooms.models import Room, RoomEvent, RoomMember
from tests.factories import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_close_action_closes_the_room_through_the_service(staff_client):
    room, _ = make_room(players=2)
    response = staff_client.post(
        reverse("admin:rooms_room_changelist"), {"action": "close_rooms", "_selected_action": [str(room.pk)]}
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.status == "finished"
    event = RoomEvent.objects.get(room=room, event_type="room_closed")
    assert event.event_data["actor"]["label"] == "admin:staff"


def test_kick_action_removes_the_seat(staff_client):
    room, seats = make_room(players=2)
    member = RoomMember.objects.get(pk=seats[1].member.pk)
    staff_client.post(
        reverse("admin:rooms_roommember_changelist"), {"action": "kick_players", "_selected_action": [member.pk]}
    )
    assert not RoomMember.objects.filter(pk=member.pk).exists()
    assert Room.objects.get(pk=room.pk).version == room.version + 1


def test_room_page_shows_player_names_as_text(staff_client):
    room, seats = make_room(players=1)
    from rooms import services
    from tests.factories import SYSTEM

    services.room_join(room=room.pk, display_name="<svg onload=alert(1)>", actor=SYSTEM)
    page = staff_client.get(reverse("admin:rooms_room_change", args=[room.pk])).content.decode()
    assert "<svg onload=alert(1)>" not in page
    assert "&lt;svg onload=alert(1)&gt;" in page


def test_rooms_cannot_be_edited_or_deleted_from_forms(staff_client):
    room, _ = make_room()
    response = staff_client.post(reverse("admin:rooms_room_change", args=[room.pk]), {"status": "finished"})
    room.refresh_from_db()
    assert room.status == "lobby"
    assert staff_client.get(reverse("admin:rooms_room_delete", args=[room.pk])).status_code == 403
    assert response.status_code in (200, 302, 403)
