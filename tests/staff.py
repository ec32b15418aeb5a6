"""Staff accounts for admin tests: a staff user holding exactly the permissions named."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client


def staff_user(username: str, *permissions: str, superuser: bool = False):
    """A staff user with these permissions ("rooms.close_room"); none at all when none are named."""
    model = get_user_model()
    if superuser:
        return model.objects.create_superuser(username, f"{username}@example.com", "pw-for-tests-only")
    user = model.objects.create_user(username, f"{username}@example.com", "pw-for-tests-only", is_staff=True)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return model.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


def staff_client(username: str, *permissions: str, superuser: bool = False) -> Client:
    client = Client()
    client.force_login(staff_user(username, *permissions, superuser=superuser))
    return client


def log_messages(obj=None, *, username: str | None = None) -> list[str]:
    """The admin log's messages, oldest first, for one object and/or one user."""
    entries = LogEntry.objects.order_by("action_time", "id")
    if obj is not None:
        entries = entries.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    if username is not None:
        entries = entries.filter(user__username=username)
    return [entry.get_change_message() for entry in entries]


def action_names(response) -> set[str]:
    """The admin actions offered on a changelist page."""
    form = response.context["action_form"] if response.context and "action_form" in response.context else None
    if form is None:
        return set()
    return {name for name, _label in form.fields["action"].choices if name}
