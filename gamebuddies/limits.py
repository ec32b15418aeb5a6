"""Every size and rate limit the services, serializers and models check, in one place.

Each value comes from gamebuddies/settings.py, which reads it from the environment (README.md
lists them), and is read once when the app loads. The exceptions are limits the database
schema holds as well (a check constraint, a column length): changing those takes a migration,
so they are constants here and the models use the same names. Rates the shared limiters look
up on every hit (gamebuddies/ratelimits.py, the socket's token bucket) are read from settings
where they are checked, so an operator's settings module or a test may change them at run time.
"""

from __future__ import annotations

from django.conf import settings

# -- held by the schema (a change needs a migration) ------------------------------
MAX_PLAYERS_PER_ROOM = 100  # rooms_max_players_range; a room's maxPlayers is 1..this
CHAT_MESSAGE_MAX_CHARS = 200  # ChatMessage.text

# -- rooms and seats ---------------------------------------------------------------
ROOM_DEFAULT_MAX_PLAYERS = settings.ROOM_DEFAULT_MAX_PLAYERS
MAX_SPECTATORS = settings.ROOM_MAX_SPECTATORS

# -- what players and games send ---------------------------------------------------
MAX_METADATA_BYTES = settings.PLAYER_METADATA_MAX_BYTES  # one status report's metadata
MAX_GAME_DATA_BYTES = settings.PLAYER_GAME_DATA_MAX_BYTES  # a seat's merged gameData
MAX_BULK_PLAYERS = settings.BULK_STATUS_MAX_PLAYERS
MAX_GAME_RESULT_BYTES = settings.GAME_RESULT_MAX_BYTES
MAX_GAME_STATE_BYTES = settings.GAME_STATE_MAX_BYTES  # one saved version
MAX_GAME_SETTINGS_BYTES = settings.GAME_SETTINGS_MAX_BYTES
MAX_GAME_SETTINGS_SCHEMA_ENTRIES = settings.GAME_SETTINGS_SCHEMA_MAX_ENTRIES

# -- rates ------------------------------------------------------------------------
CHAT_MESSAGES_PER_SECOND = settings.CHAT_MESSAGES_PER_SECOND
CHAT_MESSAGE_BURST = settings.CHAT_MESSAGE_BURST
CHAT_RATE_PER_SEAT = settings.CHAT_RATE_PER_SEAT
CHAT_MESSAGES_KEPT = settings.CHAT_MESSAGES_KEPT  # the newest lines kept per room
CHAT_MODERATION_KEPT = settings.CHAT_MODERATION_KEPT  # the newest moderation entries kept per room
DEMO_GAMES_RATE = settings.DEMO_GAMES_RATE


def in_kb(size: int) -> str:
    """A byte limit as error messages state it: "16 KB", or "1000 bytes" when not whole kilobytes."""
    return f"{size // 1024} KB" if size and size % 1024 == 0 else f"{size} bytes"
