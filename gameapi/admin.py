"""Admin for API keys and the request log: read-only, no hashes shown, revocation as an action.

Keys are issued (./issue/) and rotated (an action) here or with the management commands;
the raw key is shown once, in the response itself (never through the messages framework,
which would park it in a cookie or the session store), and only its prefix afterwards.
"""

from django.contrib import admin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from gamebuddies.errors import GameBuddiesError

from .admin_forms import IssueApiKeyForm, WebhookEndpointForm
from .models import ApiKey, ApiRequest
from .services import api_key_create, api_key_revoke, api_key_rotate
from .webhooks.delivery import redeliver
from .webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .webhooks.services import webhook_endpoint_create, webhook_endpoint_deactivate


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("key_prefix", "service_name", "game", "is_active", "expires_at", "grace_until", "last_used_at")
    list_filter = ("is_active", "game")
    search_fields = ("key_prefix", "service_name")
    fields = (
        "key_prefix",
        "service_name",
        "game",
        "scopes",
        "rate_limits",
        "is_active",
        "expires_at",
        "grace_until",
        "rotated_from",
        "last_used_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["revoke", "rotate"]

    def has_add_permission(self, request):
        return False  # issue through ./issue/, which shows the raw key once

    def get_urls(self):
        return [
            path("issue/", self.admin_site.admin_view(self.issue_view), name="gameapi_apikey_issue"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**(extra_context or {}), "title": "API keys (issue new ones at ./issue/)"}
        )

    def issue_view(self, request):
        form = IssueApiKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                issued = api_key_create(
                    service_name=data["service_name"],
                    scopes=data["scopes"],
                    game_slug=data["game"].pk if data["game"] else None,
                    expires_days=data["expires_days"],
                )
            except GameBuddiesError as exc:
                form.add_error(None, exc.message)
            else:
                return _shown_once(
                    request,
                    self.admin_site,
                    title="API key issued",
                    secrets=[(issued.api_key.service_name, issued.raw_key)],
                    back_url=reverse("admin:gameapi_apikey_changelist"),
                )
        return _form_page(request, self.admin_site, form=form, title="Issue an API key", submit_label="Issue")

    @admin.action(description="Rotate selected keys (7-day grace)")
    def rotate(self, request, queryset):
        issued = []
        for key in queryset:
            try:
                rotated = api_key_rotate(api_key=key)
            except GameBuddiesError as exc:
                self.message_user(request, f"{key.key_prefix}…: {exc.message}")
            else:
                issued.append((f"{key.service_name} (replaces {key.key_prefix}…)", rotated.raw_key))
        if not issued:
            return None
        return _shown_once(
            request,
            self.admin_site,
            title="Keys rotated (old keys keep working for the grace period)",
            secrets=issued,
            back_url=reverse("admin:gameapi_apikey_changelist"),
        )

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the request log keeps pointing at the key

    @admin.action(description="Revoke selected keys now")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(api_key=key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")


@admin.register(ApiRequest)
class ApiRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "method", "path", "status_code", "duration_ms", "api_key", "request_id")
    list_filter = ("status_code", "method")
    search_fields = ("path", "request_id")
    list_select_related = ("api_key",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _shown_once(request, admin_site, *, title, secrets, back_url):
    context = {**admin_site.each_context(request), "title": title, "secrets": secrets, "back_url": back_url}
    response = TemplateResponse(request, "admin/gameapi/secret_shown_once.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _form_page(request, admin_site, *, form, title, submit_label):
    context = {**admin_site.each_context(request), "form": form, "title": title, "submit_label": submit_label}
    return TemplateResponse(request, "admin/gameapi/issue_form.html", context)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("created_at", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "api_key", "event_types", "is_active", "failing_since", "created_at")
    list_filter = ("is_active",)
    fields = ("api_key", "url", "event_types", "is_active", "failing_since", "created_at")
    readonly_fields = fields
    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        form = WebhookEndpointForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                created = webhook_endpoint_create(
                    api_key=form.cleaned_data["api_key"],
                    url=form.cleaned_data["url"],
                    event_types=form.cleaned_data["event_types"],
                )
            except GameBuddiesError as exc:
                form.add_error("url", exc.message)
            else:
                return _shown_once(
                    request,
                    self.admin_site,
                    title="Webhook endpoint added",
                    secrets=[(f"signing secret for {created.endpoint.url}", created.secret)],
                    back_url=reverse("admin:gameapi_webhookendpoint_changelist"),
                )
        return _form_page(request, self.admin_site, form=form, title="Add a webhook endpoint", submit_label="Add")

    @admin.action(description="Deactivate selected endpoints")
    def deactivate(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_deactivate(endpoint=endpoint)
        self.message_user(request, f"Deactivated {queryset.count()} endpoint(s).")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "room_code", "room_version", "endpoint", "status", "attempts")
    list_filter = ("status", "event_type")
    search_fields = ("room_code", "event_id")
    list_select_related = ("endpoint",)
    fields = (
        "event_id",
        "event_type",
        "endpoint",
        "room_code",
        "room_version",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "created_at",
        "payload",
    )
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["redeliver_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Redeliver selected deliveries")
    def redeliver_selected(self, request, queryset):
        for delivery in queryset:
            redeliver(delivery)
        self.message_user(request, f"Queued {queryset.count()} delivery(ies) again.")
        return redirect(request.get_full_path())
