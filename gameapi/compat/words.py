"""The status words existing games send, and where each one puts the player.

The original API v2 knew five statuses (ours, rooms.models.PlayerStatus). The unified game
server and others send their own words with a `location`; when a game leaves the location
out, the word decides it (the unified server's own table). `connected` and `returning` without
a location keep our service's rule (stay where you are; back where the room is) rather than the
original's `game`, which would refuse a report arriving after the game ended (ROOM_NOT_IN_GAME).
"""

from __future__ import annotations

from gamebuddies.errors import ValidationError
from rooms.models import Location, PlayerStatus
from rooms.services import ALLOWED_LOCATIONS, DEFAULT_STATUS_FOR_LOCATION

# Word -> the location it means when the game sends none (None: our service's default).
WORD_LOCATIONS: dict[str, str | None] = {
    # The original's vocabulary.
    PlayerStatus.CONNECTED: None,
    PlayerStatus.IN_GAME: Location.GAME,
    PlayerStatus.RETURNING: None,
    PlayerStatus.LOBBY: Location.LOBBY,
    PlayerStatus.DISCONNECTED: Location.DISCONNECTED,
    # The unified game server's (GameBuddieGamesServer) and its siblings'.
    "in-game": Location.GAME,
    "playing": Location.GAME,
    "waiting": Location.GAME,
    "eliminated": Location.GAME,
    "finished": Location.GAME,
    "in-lobby": Location.LOBBY,
    "returned-to-lobby": Location.LOBBY,
}
VALID_STATUSES = list(WORD_LOCATIONS)
VALID_LOCATIONS = list(Location.values)


def resolve(word, location) -> tuple[str, str | None]:
    """(our status, location) for a game's word and optional location; 400 naming the valid ones.

    The location decides where the player is; the word is kept as our status when it is one
    of ours and fits that location, else the location's own status stands in (the game's word
    goes into the history reason, see services.report_status).
    """
    if word not in WORD_LOCATIONS:
        raise ValidationError(
            f"status must be one of {', '.join(VALID_STATUSES)}",
            field="status",
            details={"validStatuses": VALID_STATUSES},
        )
    if location is None:
        location = WORD_LOCATIONS[word]
        if location is None:
            return word, None
    if location not in VALID_LOCATIONS:
        raise ValidationError(
            f"location must be one of {', '.join(VALID_LOCATIONS)}",
            field="location",
            details={"validLocations": VALID_LOCATIONS},
        )
    if word in ALLOWED_LOCATIONS and location in ALLOWED_LOCATIONS[word]:
        return word, location
    return DEFAULT_STATUS_FOR_LOCATION[location], location


# Bulk rows may leave the word out: the location alone decides (the original's rows had none).
DEFAULT_WORD_FOR = {
    Location.LOBBY: PlayerStatus.LOBBY,
    Location.GAME: PlayerStatus.IN_GAME,
    Location.DISCONNECTED: PlayerStatus.DISCONNECTED,
}
