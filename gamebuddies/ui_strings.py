"""The strings the lobby's scripts show, translated for the page (issue 23, languages).

Scripts cannot call gettext, so every page carries a table English -> page language as JSON
(`ui_strings` in the template context, rendered by base.html with json_script, read by
static/js/i18n.js). The English text is the key, so a string missing here still shows, in
English; tests/party/test_translations.py fails when a script uses one that is not listed.

Error codes of refused socket requests map to a translated message ("error:NAME_TAKEN"),
listed only when the page language has its own text: in English the server's own, more
precise message is shown.
"""

from __future__ import annotations

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_noop as _

SCRIPT_STRINGS = (
    _(" · {count} watching"),
    _("1 player isn't ready yet, but you can start."),
    _("A game"),
    _("A game is already running."),
    _("Choose a game to start."),
    _("Confirm remove"),
    _("Confirm remove: {name}"),
    _("Connected"),
    _("Disconnected"),
    _("Everyone is ready."),
    _("Host"),
    _("In game"),
    _("Join the game"),
    _("Link copied. Send it to your friends!"),
    _("Make host"),
    _("Make host: {name}"),
    _("Not ready"),
    _("Off"),
    _("On"),
    _("Play again: {game}"),
    _("Press Ctrl+C (or ⌘C) to copy the selected link."),
    _("Press Ready when you're set to play; the host starts the game."),
    _("Ready"),
    _("Reconnecting…"),
    _("Remove"),
    _("Remove: {name}"),
    _("Room {code} has closed. Ask for a new code, or start a room of your own."),
    _("Room {code} is gone. Ask for a new code, or start a room of your own."),
    _("Spectator"),
    _("Start game"),
    _("Starting…"),
    _("Syncing…"),
    _("Tell the host you're set to play."),
    _("The game has started"),
    _("The game is ending; everyone is coming back."),
    _("The game is over"),
    _("The host hasn't picked a game yet."),
    _("The host picked a game"),
    _("The host picked {game}"),
    _("The host removed you from room {code}."),
    _("This room has closed"),
    _("This room no longer exists"),
    _("Watch the game"),
    _("You"),
    _("You left room {code} in another tab or window."),
    _("You left this room"),
    _("You were removed from this room"),
    _("You're no longer connected to room {code}."),
    _("You're no longer in this room"),
    _("You're offline, so that change didn't go through. It will work again once you're back."),
    _("You're ready. Waiting for the host to start."),
    _("You're the host now"),
    _("You're the host: pick a game below and start it when everyone is ready."),
    _("You're the host: the host role passes to another player. To play again you join like a new player."),
    _("You're watching. Waiting for the host to start."),
    _("Your seat goes: to play again you join the room like a new player."),
    _("Your seat has expired"),
    _("Your seat in room {code} is no longer valid. Join again to get a new one."),
    _("{count} / {max} players"),
    _("{count} people joined"),
    _("{count} people left the room"),
    _("{count} players are back"),
    _("{count} players are not ready"),
    _("{count} players are ready"),
    _("{count} players aren't ready yet, but you can start."),
    _("{count} players lost their connection"),
    _("{game} is ending; players are coming back."),
    _("{game} is in progress: join in now, or wait here for the next game."),
    _("{game} is in progress: watch it now, or wait here for the next game."),
    _("{game} needs {range} connected players; {count} are here."),
    _("{game} needs {range} connected players; {count} is here."),
    _("{name} disconnected — the host role passes in {seconds} s"),
    _("{name} disconnected — the host role passes soon"),
    _("{name} is back"),
    _("{name} is not ready"),
    _("{name} is ready"),
    _("{name} is the host now"),
    _("{name} joined"),
    _("{name} joined to watch"),
    _("{name} left the room"),
    _("{name} lost their connection"),
)

ERROR_MESSAGES = {
    "NAME_TAKEN": _("Someone in this room already has that name, or one that looks the same. Please pick another."),
    "FORBIDDEN": _("You can't do that in this room."),
    "INVALID_ROOM_STATE": _("The room can't do that right now."),
    "VALIDATION_ERROR": _("That didn't work: please check what you entered."),
    "RATE_LIMITED": _("Slow down a little and try again in a moment."),
    "SERVICE_UNAVAILABLE": _("We're having a moment. Please try again shortly."),
    "ROOM_FULL": _("This room is full."),
    "ROOM_CLOSED": _("This room has closed."),
    "PLAYER_NOT_FOUND": _("That player isn't in this room any more."),
    "GAME_NOT_FOUND": _("That game isn't available."),
    "STATE_CONFLICT": _("Someone changed the room at the same time. Please try again."),
}


def ui_string_table() -> dict[str, str]:
    table = {text: gettext(text) for text in SCRIPT_STRINGS}
    if not (get_language() or "en").startswith("en"):
        table.update({f"error:{code}": gettext(message) for code, message in ERROR_MESSAGES.items()})
    return table


def ui_strings(request) -> dict:
    """Template context processor: the table, built only when a template uses it."""
    return {"ui_strings": ui_string_table}
