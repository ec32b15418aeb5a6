"""Avatars: a picture from a fixed set and one of eight colours, chosen by the player.

Stored on the Player (one per seat), sent in every snapshot as `avatar` (a key of AVATARS,
or null when none was picked: the page shows the name's first letter) and `avatarColour`
(0-7, or null until one is picked: the pages then colour by the player's id, as before).
Only keys travel, never markup: the pages map a key to its emoji and spoken label.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gamebuddies.errors import ValidationError

# key -> (emoji, spoken label). Keys are the contract (snapshot, API, local storage).
AVATARS: dict[str, tuple[str, str]] = {
    "fox": ("\U0001f98a", _("Fox")),
    "cat": ("\U0001f431", _("Cat")),
    "dog": ("\U0001f436", _("Dog")),
    "panda": ("\U0001f43c", _("Panda")),
    "frog": ("\U0001f438", _("Frog")),
    "owl": ("\U0001f989", _("Owl")),
    "octopus": ("\U0001f419", _("Octopus")),
    "unicorn": ("\U0001f984", _("Unicorn")),
    "robot": ("\U0001f916", _("Robot")),
    "alien": ("\U0001f47d", _("Alien")),
    "ghost": ("\U0001f47b", _("Ghost")),
    "rocket": ("\U0001f680", _("Rocket")),
}
AVATAR_COLOURS = 8
COLOUR_NAMES = (
    _("Indigo"),
    _("Pink"),
    _("Teal"),
    _("Orange"),
    _("Blue"),
    _("Violet"),
    _("Green"),
    _("Brick"),
)


def default_colour(player_id) -> int:
    """The colour a player has before picking one; static/js/lobby-view.js computes the same."""
    return int(str(player_id).replace("-", "")[-4:], 16) % AVATAR_COLOURS


def clean_avatar(value, *, field: str = "avatar") -> str | None:
    """A key of AVATARS, or None for "no picture" (empty string or null)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in AVATARS:
        raise ValidationError(f"avatar must be one of: {', '.join(AVATARS)}", field=field)
    return value


def clean_avatar_colour(value, *, field: str = "avatarColour") -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < AVATAR_COLOURS:
        raise ValidationError(f"avatarColour must be a whole number from 0 to {AVATAR_COLOURS - 1}", field=field)
    return value


def avatar_choices() -> list[dict]:
    """For the pages: every avatar with its emoji and label (label translated when rendered)."""
    return [{"key": key, "emoji": emoji, "label": str(label)} for key, (emoji, label) in AVATARS.items()]


def colour_choices() -> list[dict]:
    return [{"index": index, "label": str(label)} for index, label in enumerate(COLOUR_NAMES)]
