"""The Audit list: every change staff made from the admin (Django's `LogEntry`), read-only.

Found by the admin's autodiscovery like any app's admin module (gamebuddies is an installed app);
the helpers the apps' admin modules share are in gamebuddies/admin_base.py.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.models import DELETION, LogEntry
from django.utils.html import format_html


@admin.register(LogEntry)
class AuditAdmin(admin.ModelAdmin):
    list_display = ("action_time", "user", "action_name", "content_type", "object_link", "message")
    list_filter = ("user", "action_flag", "content_type")
    search_fields = ("object_repr", "change_message")
    list_select_related = ("user", "content_type")
    date_hierarchy = "action_time"
    ordering = ("-action_time", "-id")
    fields = ("action_time", "user", "action_name", "content_type", "object_id", "object_repr", "message")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": "Audit: changes made by staff"})

    @admin.display(description="action", ordering="action_flag")
    def action_name(self, entry: LogEntry) -> str:
        return entry.get_action_flag_display()

    @admin.display(description="object")
    def object_link(self, entry: LogEntry):
        url = entry.get_admin_url() if entry.action_flag != DELETION else ""
        return format_html('<a href="{}">{}</a>', url, entry.object_repr) if url else entry.object_repr

    @admin.display(description="what was done")
    def message(self, entry: LogEntry) -> str:
        return entry.get_change_message()
