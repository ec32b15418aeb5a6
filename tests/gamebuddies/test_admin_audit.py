"""The Audit list over the admin log: who changed what, read-only, filterable (issue 19)."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from gameapi.services import api_key_create
from rooms.models import Room
from tests.factories import make_room
from tests.staff import staff_client

pytestmark = pytest.mark.django_db

AUDIT = "admin:admin_logentry_changelist"


@pytest.fixture
def entries():
    """Two staff members' changes: a room closed by one, a key revoked by the other."""
    room, _ = make_room()
    key = api_key_create(service_name="quiz-server", scopes=["rooms:read"]).api_key
    staff_client("support", "rooms.view_room", "rooms.close_room").post(
        reverse("admin:rooms_room_close", args=[room.pk])
    )
    staff_client("integrator", "gameapi.view_apikey", "gameapi.revoke_apikey").post(
        reverse("admin:gameapi_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert LogEntry.objects.count() == 2
    return room, key


def listed(client, **query) -> list[str]:
    response = client.get(reverse(AUDIT), query)
    assert response.status_code == 200
    return [entry.change_message for entry in response.context["cl"].result_list]


def test_the_audit_list_needs_its_view_permission(entries):
    assert staff_client("nobody", "rooms.view_room").get(reverse(AUDIT)).status_code == 403


def test_the_audit_list_shows_who_did_what_and_filters_by_user_action_and_object_type(entries):
    room, key = entries
    client = staff_client("auditor", "admin.view_logentry")
    page = client.get(reverse(AUDIT)).content.decode()
    assert "Audit: changes made by staff" in page
    assert "Closed the room" in page and "Revoked" in page
    support = get_user_model().objects.get(username="support")
    assert listed(client, user__id__exact=support.pk) == ["Closed the room (players sent out, sessions revoked)"]
    assert listed(client, content_type__id__exact=ContentType.objects.get_for_model(type(key)).pk) == ["Revoked"]
    assert len(listed(client, action_flag__exact=2)) == 2
    assert listed(client, action_flag__exact=1) == []


def test_nobody_edits_or_deletes_audit_entries_not_even_a_superuser(entries):
    entry = LogEntry.objects.first()
    client = staff_client("root", superuser=True)
    client.post(reverse("admin:admin_logentry_change", args=[entry.pk]), {"change_message": "nothing happened"})
    assert LogEntry.objects.get(pk=entry.pk).change_message == entry.change_message
    assert client.get(reverse("admin:admin_logentry_delete", args=[entry.pk])).status_code == 403
    assert Room.objects.filter(status="finished").count() == 1
