"""Admin for API keys, the request log and webhooks: no hashes shown, every change through a service.

Keys are issued (./issue/) and rotated here or with the management commands; the raw key
is shown once, in the response itself (never through the messages framework, which would
park it in a cookie or the session store), and only its prefix afterwards. The same holds
for webhook signing secrets. Each action and page needs its own permission (Meta.permissions
on ApiKey and WebhookEndpoint), the services check it again, and every change is written
to the admin log without the secret.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from gamebuddies.admin_base import ServiceOnlyAdminMixin, audit, each_done, staff_actor
from gamebuddies.errors import GameBuddiesError

from .admin_forms import ApiKeyEditForm, IssueApiKeyForm, WebhookEndpointEditForm, WebhookEndpointForm
from .models import ApiKey, ApiRequest
from .services import api_key_create, api_key_extend, api_key_revoke, api_key_rotate, api_key_update
from .webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .webhooks.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_add,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

RECENT_DELIVERIES = 20


def _perm(request, codename: str) -> bool:
    return request.user.has_perm(f"gameapi.{codename}")


def _requests_since(since):
    """Per key: how many logged requests since `since` (a correlated subquery on the (key, time) index)."""
    rows = ApiRequest.objects.filter(api_key=OuterRef("pk"), created_at__gte=since).order_by().values("api_key")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def _last_attempt(field: str):
    attempts = WebhookAttempt.objects.filter(delivery=OuterRef("pk")).order_by("-created_at", "-id")
    return Subquery(attempts.values(field)[:1])


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "key_prefix",
        "service_name",
        "game",
        "scope_list",
        "requests_24h",
        "is_active",
        "expires_at",
        "grace_until",
        "last_used_at",
    )
    list_filter = ("is_active", "game")
    list_select_related = ("game",)
    search_fields = ("key_prefix", "service_name")
    form = ApiKeyEditForm
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
    editable_fields = ("scopes", "rate_limits")
    actions = ["revoke", "rotate", "extend_30_days", "extend_365_days"]
    change_list_template = "admin/gameapi/apikey/change_list.html"

    def get_queryset(self, request):
        since = timezone.now() - timedelta(hours=24)
        return super().get_queryset(request).annotate(requests_24h=_requests_since(since))

    @admin.display(description="scopes")
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes) or "none"

    @admin.display(description="requests (24 h)", ordering="requests_24h")
    def requests_24h(self, key: ApiKey) -> int:
        return key.requests_24h

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name not in self.editable_fields]

    # Real model permissions: changing scopes and limits is `change_apikey`; adding is the issue page.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the request log keeps pointing at the key

    def has_issue_apikey_permission(self, request):
        return _perm(request, "issue_apikey")

    def has_rotate_apikey_permission(self, request):
        return _perm(request, "rotate_apikey")

    def has_revoke_apikey_permission(self, request):
        return _perm(request, "revoke_apikey")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        api_key_update(api_key=obj, actor=staff_actor(request), scopes=data["scopes"], rate_limits=data["rate_limits"])

    def get_urls(self):
        return [
            path("issue/", self.admin_site.admin_view(self.issue_view), name="gameapi_apikey_issue"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {"title": "API keys", "can_issue": self.has_issue_apikey_permission(request)}
        return super().changelist_view(request, {**(extra_context or {}), **context})

    def issue_view(self, request):
        if not self.has_issue_apikey_permission(request):
            raise PermissionDenied
        form = IssueApiKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                issued = api_key_create(
                    service_name=data["service_name"],
                    scopes=data["scopes"],
                    game_slug=data["game"].pk if data["game"] else None,
                    expires_days=data["expires_days"],
                    actor=staff_actor(request),
                )
            except GameBuddiesError as exc:
                form.add_error(None, exc.message)
            else:
                key = issued.api_key
                self.log_addition(request, key, f"Issued {key.key_prefix}… with scopes {', '.join(key.scopes)}")
                return shown_once(
                    request,
                    self.admin_site,
                    title="API key issued",
                    secrets=[(key.service_name, issued.raw_key)],
                    back_url=reverse("admin:gameapi_apikey_changelist"),
                )
        return _form_page(request, self.admin_site, form=form, title="Issue an API key", submit_label="Issue")

    @admin.action(description="Rotate selected keys (7-day grace)", permissions=["rotate_apikey"])
    def rotate(self, request, queryset):
        actor, issued = staff_actor(request), []
        rotated_keys = each_done(self, request, queryset, lambda k: api_key_rotate(api_key=k, actor=actor), name=_named)
        for key, rotated in rotated_keys:
            successor = rotated.api_key
            self.log_change(request, key, f"Rotated: {successor.key_prefix}… replaces it after the grace period")
            self.log_addition(request, successor, f"Issued {successor.key_prefix}… to replace {key.key_prefix}…")
            issued.append((f"{key.service_name} (replaces {key.key_prefix}…)", rotated.raw_key))
        if not issued:
            return None
        return shown_once(
            request,
            self.admin_site,
            title="Keys rotated (old keys keep working for the grace period)",
            secrets=issued,
            back_url=reverse("admin:gameapi_apikey_changelist"),
        )

    @admin.action(description="Revoke selected keys now", permissions=["revoke_apikey"])
    def revoke(self, request, queryset):
        actor = staff_actor(request)
        revoked = each_done(self, request, queryset, lambda k: api_key_revoke(api_key=k, actor=actor), name=_named)
        for key, _ in revoked:
            self.log_change(request, key, "Revoked")
        self.message_user(request, f"Revoked {len(revoked)} key(s).")

    def _extend(self, request, queryset, days: int):
        actor = staff_actor(request)
        extended = each_done(
            self, request, queryset, lambda k: api_key_extend(api_key=k, actor=actor, days=days), name=_named
        )
        for key, updated in extended:
            self.log_change(request, key, f"Extended expiry by {days} days to {updated.expires_at:%Y-%m-%d %H:%M} UTC")
        self.message_user(request, f"Extended {len(extended)} key(s) by {days} days.")

    @admin.action(description="Extend expiry of selected keys by 30 days", permissions=["change"])
    def extend_30_days(self, request, queryset):
        self._extend(request, queryset, 30)

    @admin.action(description="Extend expiry of selected keys by 365 days", permissions=["change"])
    def extend_365_days(self, request, queryset):
        self._extend(request, queryset, 365)


class RouteFilter(admin.SimpleListFilter):
    """The API route a request went to (paths carry room codes and player ids, so filter by shape)."""

    title = "route"
    parameter_name = "route"
    ROUTES = {
        "rooms-create": ("POST/GET /rooms", {"path__regex": r"/rooms/?$"}),
        "room": ("/rooms/{code}", {"path__regex": r"/rooms/[^/]+/?$"}),
        "seats": ("/rooms/{code}/players", {"path__regex": r"/rooms/[^/]+/players/?$"}),
        "status": ("…/players/{id}/status", {"path__endswith": "/status"}),
        "heartbeat": ("…/players/{id}/heartbeat", {"path__endswith": "/heartbeat"}),
        "bulk-status": ("…/bulk-status", {"path__endswith": "/bulk-status"}),
        "game-end": ("…/game-end", {"path__endswith": "/game-end"}),
        "game-state": ("…/game-state", {"path__endswith": "/game-state"}),
        "events": ("…/events", {"path__endswith": "/events"}),
        "validate": ("keys and sessions validate", {"path__endswith": "/validate"}),
    }

    def lookups(self, request, model_admin):
        return [(name, label) for name, (label, _lookup) in self.ROUTES.items()]

    def queryset(self, request, queryset):
        route = self.ROUTES.get(self.value() or "")
        return queryset.filter(**route[1]) if route else queryset


@admin.register(ApiRequest)
class ApiRequestAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "method", "path", "status_code", "duration_ms", "api_key", "request_id")
    list_filter = ("status_code", "method", RouteFilter, "api_key")
    search_fields = ("path", "request_id")
    search_help_text = "Path (a room code, a player id) or request id"
    list_select_related = ("api_key",)
    date_hierarchy = "created_at"


def _named(key: ApiKey) -> str:
    return f"{key.key_prefix}…"


def _event_id(delivery: WebhookDelivery) -> str:
    return str(delivery.event_id)


def shown_once(request, admin_site, *, title, secrets, back_url):
    context = {**admin_site.each_context(request), "title": title, "secrets": secrets, "back_url": back_url}
    response = TemplateResponse(request, "admin/gameapi/secret_shown_once.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _form_page(request, admin_site, *, form, title, submit_label):
    context = {**admin_site.each_context(request), "form": form, "title": title, "submit_label": submit_label}
    return TemplateResponse(request, "admin/gameapi/issue_form.html", context)


class AttemptInline(ServiceOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ("created_at", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields
    extra = 0


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "api_key", "event_types", "is_active", "failing_since", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("api_key",)
    form = WebhookEndpointEditForm
    fields = ("api_key", "url", "event_types", "is_active", "failing_since", "created_at", "recent_deliveries")
    editable_fields = ("url", "event_types", "is_active")
    actions = ["deactivate", "rotate_secret"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name not in self.editable_fields]

    # Adding, editing, rotating and redelivering are one permission: manage_webhooks.
    def has_manage_webhooks_permission(self, request, obj=None):
        return _perm(request, "manage_webhooks")

    def has_add_permission(self, request):
        return self.has_manage_webhooks_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_manage_webhooks_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: deliveries and their attempts stay on record

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        webhook_endpoint_update(
            endpoint=obj,
            actor=staff_actor(request),
            url=data["url"],
            event_types=data["event_types"],
            is_active=data["is_active"],
        )

    @admin.display(description="recent deliveries")
    def recent_deliveries(self, endpoint: WebhookEndpoint):
        deliveries = (
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .annotate(last_code=_last_attempt("status_code"), last_ms=_last_attempt("duration_ms"))
            .order_by("-created_at", "-id")[:RECENT_DELIVERIES]
        )
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>v{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:gameapi_webhookdelivery_change", args=[d.pk]),
                    d.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    d.event_type,
                    d.room_version,
                    d.status,
                    d.attempts,
                    d.last_code if d.last_code is not None else "–",
                    f"{d.last_ms:.0f} ms" if d.last_ms is not None else "–",
                )
                for d in deliveries
            ),
        )
        if not rows:
            return "No deliveries yet."
        all_url = reverse("admin:gameapi_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html(
            "<table><thead><tr><th>Created</th><th>Event</th><th>Room version</th><th>Status</th><th>Attempts</th>"
            "<th>Last response</th><th>Response time</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">All deliveries of this endpoint (redeliver from there)</a></p>',
            rows,
            all_url,
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = WebhookEndpointForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                created = webhook_endpoint_add(
                    actor=staff_actor(request),
                    api_key=form.cleaned_data["api_key"],
                    url=form.cleaned_data["url"],
                    event_types=form.cleaned_data["event_types"],
                )
            except GameBuddiesError as exc:
                form.add_error("url", exc.message)
            else:
                endpoint = created.endpoint
                events = ", ".join(endpoint.event_types) or "every event"
                self.log_addition(request, endpoint, f"Added for key {endpoint.api_key.key_prefix}… ({events})")
                return shown_once(
                    request,
                    self.admin_site,
                    title="Webhook endpoint added",
                    secrets=[(f"signing secret for {endpoint.url}", created.secret)],
                    back_url=reverse("admin:gameapi_webhookendpoint_changelist"),
                )
        return _form_page(request, self.admin_site, form=form, title="Add a webhook endpoint", submit_label="Add")

    @admin.action(description="Deactivate selected endpoints", permissions=["manage_webhooks"])
    def deactivate(self, request, queryset):
        actor = staff_actor(request)
        updated = each_done(
            self, request, queryset, lambda e: webhook_endpoint_update(endpoint=e, actor=actor, is_active=False)
        )
        switched_off = [endpoint for endpoint, changed in updated if changed]
        for endpoint in switched_off:
            self.log_change(request, endpoint, "Deactivated")
        self.message_user(request, f"Deactivated {len(switched_off)} endpoint(s).")

    @admin.action(description="Rotate the signing secret of selected endpoints", permissions=["manage_webhooks"])
    def rotate_secret(self, request, queryset):
        actor, secrets = staff_actor(request), []
        rotated = each_done(self, request, queryset, lambda e: webhook_endpoint_rotate_secret(endpoint=e, actor=actor))
        for endpoint, secret in rotated:
            self.log_change(request, endpoint, "Rotated the signing secret")
            secrets.append((f"new signing secret for {endpoint.url}", secret))
        if not secrets:
            return None
        return shown_once(
            request,
            self.admin_site,
            title="Signing secrets rotated (deliveries are signed with the new secret from now on)",
            secrets=secrets,
            back_url=reverse("admin:gameapi_webhookendpoint_changelist"),
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "event_type",
        "room_code",
        "room_version",
        "endpoint",
        "status",
        "attempts",
        "last_response",
        "response_time",
    )
    list_filter = ("status", "event_type", "endpoint")
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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(last_code=_last_attempt("status_code"), last_ms=_last_attempt("duration_ms"))
        )

    @admin.display(description="last response", ordering="last_code")
    def last_response(self, delivery) -> str:
        return "–" if delivery.last_code is None else str(delivery.last_code)

    @admin.display(description="response time", ordering="last_ms")
    def response_time(self, delivery) -> str:
        return "–" if delivery.last_ms is None else f"{delivery.last_ms:.0f} ms"

    def has_manage_webhooks_permission(self, request):
        return _perm(request, "manage_webhooks")

    @admin.action(description="Redeliver selected deliveries", permissions=["manage_webhooks"])
    def redeliver_selected(self, request, queryset):
        actor = staff_actor(request)
        queued = each_done(
            self, request, queryset, lambda d: webhook_delivery_redeliver(delivery=d, actor=actor), name=_event_id
        )
        for delivery, _ in queued:
            audit(request, delivery, "Queued for redelivery")
        self.message_user(request, f"Queued {len(queued)} delivery(ies) again.")
