"""Server messages a player can read on a page, marked for translation where they are shown.

The services raise errors with English messages (the Game API shows them as they are, beside
their stable codes). The pages translate them when showing them: `gettext(error.message)`
finds the German text because each message's English text is a msgid listed here, where
`makemessages` sees it. A message missing here is shown in English, never lost.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

PAGE_MESSAGES = (
    # players.names (the join forms add a full stop)
    _("Name must be text."),
    _("Please enter a name."),
    _("Names cannot contain control or invisible characters."),
    _("Names need at least one visible character."),
    _("A name cannot start with an accent or mark."),
    # formatted with players.names.MAX_NAME_LENGTH and MAX_MARKS_PER_CHARACTER (checked by
    # tests/party/test_translations.py)
    _("Names can be at most 24 characters."),
    _("At most 2 accents or marks on one character."),
    _("Someone in this room already has that name, or one that looks the same. Please pick another."),
    # players.blocks, players.claims
    _("The host removed you from this room."),
    _("This seat link is not valid any more. Ask the host for the room's link."),
    # gamebuddies.errors defaults and rooms.permissions
    _("Room not found"),
    _("Room is full"),
    _("Room is closed"),
    _("The room cannot do that right now"),
    _("Not allowed"),
    _("Session is invalid or expired"),
    _("Rate limit exceeded"),
    _("The service is briefly unavailable; nothing was changed, please retry"),
    _("Join the room first"),
    _("You are not in this room"),
    _("Spectators can watch but not change the room"),
    _("Only the host can do that"),
    _("Players can only change their own status"),
    _("This room has as many spectators as it can take"),
)
