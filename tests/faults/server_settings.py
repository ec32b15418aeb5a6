"""Settings of the fault tests' servers: the app's own, with the Game API request log kept in
memory, so no server writes races the flush of the test database between tests."""

from gamebuddies.settings import *  # noqa: F403

GAME_API_REQUEST_LOG_BACKGROUND = False
