"""Forms behind the admin's "issue API key" and "add webhook endpoint" pages."""

from django import forms

from rooms.models import Game

from .models import ALL_SCOPES, ApiKey
from .webhooks.models import WEBHOOK_EVENT_TYPES


class IssueApiKeyForm(forms.Form):
    service_name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=[(s, s) for s in ALL_SCOPES], widget=forms.CheckboxSelectMultiple)
    game = forms.ModelChoiceField(
        queryset=Game.objects.all(), required=False, help_text="Bind the key to one game's rooms (recommended)."
    )
    expires_days = forms.IntegerField(min_value=1, initial=365)


class WebhookEndpointForm(forms.Form):
    api_key = forms.ModelChoiceField(queryset=ApiKey.objects.filter(is_active=True))
    url = forms.CharField(max_length=500, help_text="https://… — private and loopback addresses are refused.")
    event_types = forms.MultipleChoiceField(
        choices=[(e, e) for e in WEBHOOK_EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None selected means every event type.",
    )
