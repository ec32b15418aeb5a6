"""The Support and Integrations staff groups made by migration gameapi/0006 (issue 19)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse

from rooms.models import Room
from tests.factories import make_room

pytestmark = pytest.mark.django_db

migration = importlib.import_module("gameapi.migrations.0006_admin_permissions")


@pytest.fixture
def groups():
    """The groups as the migration makes them (made again: a transactional test may have flushed them)."""
    Group.objects.filter(name__in=["Support", "Integrations"]).delete()
    editor = SimpleNamespace(connection=connection)
    migration.create_groups(apps, editor)
    migration.create_groups(apps, editor)  # running it twice changes nothing
    return {group.name: group for group in Group.objects.filter(name__in=["Support", "Integrations"])}


def permissions_of(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def member_of(group: Group, username: str) -> Client:
    user = get_user_model().objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def test_support_sees_rooms_players_events_and_the_request_log_and_may_kick_close_and_move_the_host(groups):
    support = permissions_of(groups["Support"])
    assert {
        "rooms.view_room",
        "rooms.view_roommember",
        "rooms.view_roomevent",
        "players.view_player",
        "players.view_playerstatushistory",
        "gameapi.view_apirequest",
        "rooms.kick_member",
        "rooms.close_room",
        "rooms.transfer_host",
    } <= support
    assert not {p for p in support if p.startswith("gameapi.") and p != "gameapi.view_apirequest"}
    assert not {p for p in support if p.split(".")[1].startswith(("change_", "add_", "delete_"))}


def test_integrations_has_everything_on_keys_and_webhooks_and_nothing_on_rooms(groups):
    integrations = permissions_of(groups["Integrations"])
    assert {
        "gameapi.view_apikey",
        "gameapi.change_apikey",
        "gameapi.issue_apikey",
        "gameapi.rotate_apikey",
        "gameapi.revoke_apikey",
        "gameapi.view_webhookendpoint",
        "gameapi.manage_webhooks",
        "gameapi.view_webhookdelivery",
        "gameapi.view_webhookattempt",
    } <= integrations
    assert not {p for p in integrations if p.startswith(("rooms.", "players."))}


def test_a_support_member_closes_rooms_but_cannot_open_the_key_pages(groups):
    room, _ = make_room()
    client = member_of(groups["Support"], "sam")
    assert client.get(reverse("admin:gameapi_apikey_changelist")).status_code == 403
    assert client.get(reverse("admin:gameapi_apikey_issue")).status_code == 403
    client.post(reverse("admin:rooms_room_close", args=[room.pk]))
    assert Room.objects.get(pk=room.pk).status == "finished"


def test_an_integrations_member_issues_keys_but_cannot_touch_rooms(groups):
    room, _ = make_room()
    client = member_of(groups["Integrations"], "ivy")
    assert client.get(reverse("admin:gameapi_apikey_issue")).status_code == 200
    assert client.get(reverse("admin:rooms_room_changelist")).status_code == 403
    assert client.post(reverse("admin:rooms_room_close", args=[room.pk])).status_code == 403
    assert Room.objects.get(pk=room.pk).status == "lobby"
