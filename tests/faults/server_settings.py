"""Settings of the fault tests' servers: the app's own, with the Game API request log kept in
memory (no background flush, no batch ever full), so no server write races the flush of the
test database between tests, and no request commits anything but its own change."""

from gamebuddies.settings import *  # noqa: F403

GAME_API_REQUEST_LOG_BACKGROUND = False
GAME_API_REQUEST_LOG_BATCH = 10**9
