"""Forms behind the admin's key and webhook pages. Each field is checked by the service's own rule."""

from django import forms

from gamebuddies.errors import GameBuddiesError
from rooms.models import Game

from . import conf
from .models import ALL_SCOPES, ApiKey
from .selectors import webhook_key_choices
from .services import clean_rate_limits, clean_scopes
from .webhooks.models import WEBHOOK_EVENT_TYPES, WebhookEndpoint
from .webhooks.services import clean_event_types, webhook_url_check

SCOPE_CHOICES = [(s, s) for s in ALL_SCOPES]
EVENT_CHOICES = [(e, e) for e in WEBHOOK_EVENT_TYPES]
URL_HELP = "https://… — private and loopback addresses are refused."


def event_types_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=EVENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None selected means every event type.",
    )


def _checked(rule, value):
    """Run a service's validation rule and turn its error into a form error."""
    try:
        return rule(value)
    except GameBuddiesError as exc:
        raise forms.ValidationError(exc.message) from exc


class IssueApiKeyForm(forms.Form):
    service_name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple)
    game = forms.ModelChoiceField(
        queryset=Game.objects.all(), required=False, help_text="Bind the key to one game's rooms (recommended)."
    )
    expires_days = forms.IntegerField(min_value=1, initial=365)


class ApiKeyEditForm(forms.ModelForm):
    """Scopes and per-tier rate overrides; saved through gameapi.services.api_key_update."""

    scopes = forms.MultipleChoiceField(choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False)
    rate_limits = forms.JSONField(required=False)

    class Meta:
        model = ApiKey
        fields = ("scopes", "rate_limits")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tiers = ", ".join(f"{tier} (default {rate})" for tier, rate in conf.rate_tiers().items())
        self.fields["rate_limits"].help_text = f'Overrides such as {{"status": "120/m"}}. Tiers: {tiers}.'

    def clean_scopes(self):
        return _checked(clean_scopes, list(self.cleaned_data.get("scopes") or []))

    def clean_rate_limits(self):
        return _checked(clean_rate_limits, self.cleaned_data.get("rate_limits") or {})


class WebhookEndpointForm(forms.Form):
    api_key = forms.ModelChoiceField(queryset=ApiKey.objects.none(), help_text="Usable keys with the webhooks scope.")
    url = forms.CharField(max_length=500, help_text=URL_HELP)
    event_types = event_types_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_key"].queryset = webhook_key_choices()  # usable now, not at import


class WebhookEndpointEditForm(forms.ModelForm):
    """URL (the SSRF rules again), event types and the active flag; saved through webhook_endpoint_update."""

    url = forms.CharField(max_length=500, help_text=URL_HELP)
    event_types = event_types_field()

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "event_types", "is_active")

    def clean_url(self):
        url = self.cleaned_data["url"]
        if self.instance.pk and url == self.instance.url:
            return url
        return _checked(webhook_url_check, url)

    def clean_event_types(self):
        return _checked(clean_event_types, list(self.cleaned_data.get("event_types") or []))
