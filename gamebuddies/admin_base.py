"""What the apps' admin modules share: the staff actor, service-only rows and the audit entry.

Staff act through the same services as everyone else, as `Actor.staff` carrying their
permissions (the services check them again). Every change made from the admin is written
to Django's admin log (`LogEntry`), which the object's history page and the read-only
Audit list show (gamebuddies/admin.py; it needs `admin.view_logentry`). A library for the
apps' admin modules: it registers nothing itself, so importing it has no effect on the site.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from gamebuddies.actors import Actor
from gamebuddies.errors import GameBuddiesError

__all__ = ["ADDITION", "CHANGE", "DELETION", "ServiceOnlyAdminMixin", "audit", "each_done", "staff_actor"]


def staff_actor(request) -> Actor:
    """The signed-in staff member as a service actor: named in room events, with their permissions."""
    user = request.user
    return Actor.staff(label=f"admin:{user.get_username()}", permissions=user.get_all_permissions())


def audit(request, obj, message: str, *, action_flag: int = CHANGE) -> None:
    """One admin log entry for `obj`. The message says what was done; it must never hold a secret."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk, queryset=[obj], action_flag=action_flag, change_message=message, single_object=True
    )


def each_done(model_admin, request, items, call, *, name=str) -> list[tuple]:
    """`call(item)` for each item; one the service refuses is reported by name and skipped.

    Returns (item, result) for every item that went through, so an action audits exactly those.
    """
    done = []
    for item in items:
        try:
            done.append((item, call(item)))
        except GameBuddiesError as exc:
            model_admin.message_user(request, f"{name(item)}: {exc.message}", messages.WARNING)
    return done


class ServiceOnlyAdminMixin:
    """Rows that change only through services (with their events, versions and broadcasts).

    No add, change or delete form for anyone; seeing them needs the model's view permission
    (Django's default), and the actions that change them declare their own permissions.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
