"""Forms of the player pages: a name, a room code, and whether to just watch.

Names are checked by the same rule the services apply (players.names), so a page can
say plainly what is wrong before anything is written.
"""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gamebuddies.errors import ValidationError as PlatformValidationError
from players.avatars import AVATARS, COLOUR_NAMES
from players.names import MAX_NAME_LENGTH, clean_display_name

from .models import ROOM_CODE_LENGTH
from .selectors import is_well_formed_room_code, normalize_room_code


def _avatar_choices():
    return [(key, format_lazy("{} {}", emoji, label)) for key, (emoji, label) in AVATARS.items()]


class NameField(forms.CharField):
    def __init__(self, **kwargs):
        # The raw field is longer than a name may be: NFKC can shorten what was typed,
        # and an over-long name should get the friendly message, not a bare max_length one.
        super().__init__(
            label=_("Your name"),
            max_length=MAX_NAME_LENGTH * 4,
            strip=False,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "nickname",
                    "autocapitalize": "words",
                    "autocorrect": "off",
                    "enterkeyhint": "go",
                    "maxlength": str(MAX_NAME_LENGTH),
                    "placeholder": _("e.g. Alex"),
                    "spellcheck": "false",
                }
            ),
            error_messages={"required": _("Please enter a name.")},
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        try:
            return clean_display_name(value)
        except PlatformValidationError as exc:
            # The message's English text is its msgid (listed in gamebuddies/player_messages.py).
            sentence = exc.message.rstrip(".") + "."
            raise forms.ValidationError(gettext(sentence)) from None


class RoomCodeField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Room code"),
            max_length=20,
            widget=forms.TextInput(
                attrs={
                    # Letters and digits: the text keyboard, capitals on, no corrections.
                    "autocomplete": "off",
                    "autocapitalize": "characters",
                    "autocorrect": "off",
                    "inputmode": "text",
                    "enterkeyhint": "next",
                    "spellcheck": "false",
                    "maxlength": str(ROOM_CODE_LENGTH),
                    "placeholder": "K7Q2MX",
                    "class": "code-input",
                }
            ),
            error_messages={"required": _("Please enter the room code.")},
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        code = normalize_room_code(value).replace(" ", "").replace("-", "")
        if not is_well_formed_room_code(code):
            raise forms.ValidationError(
                _("Room codes are %(length)s letters and digits, like K7Q2MX. Check the code and try again.")
                % {"length": ROOM_CODE_LENGTH}
            )
        return code


class AvatarMixin(forms.Form):
    """The avatar picker of the join pages: optional, none picked means the name's initial."""

    avatar = forms.ChoiceField(
        label=_("Avatar"), required=False, widget=forms.RadioSelect, choices=(("", _("None")), *_avatar_choices())
    )
    avatar_colour = forms.TypedChoiceField(
        label=_("Colour"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        choices=[(str(index), label) for index, label in enumerate(COLOUR_NAMES)],
    )


class SpectatorField(forms.BooleanField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Just watch (join as a spectator)"), required=False, **kwargs)


class ErrorsDescribedMixin:
    """Point each invalid input at its message, so screen readers read it with the field."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
                self.fields[name].widget.attrs["aria-invalid"] = "true"


class CreateRoomForm(ErrorsDescribedMixin, AvatarMixin, forms.Form):
    prefix = "create"  # the home page holds two forms, both with a name field

    name = NameField()


class JoinRoomForm(ErrorsDescribedMixin, AvatarMixin, forms.Form):
    """Home page: a code and a name."""

    prefix = "join"

    code = RoomCodeField()
    name = NameField()
    spectate = SpectatorField()


class JoinByLinkForm(ErrorsDescribedMixin, AvatarMixin, forms.Form):
    """`/r/<CODE>`: the code is in the link, so only the name is asked."""

    name = NameField()
    spectate = SpectatorField()
