"""GameBuddies settings: one module, driven by the environment.

With no environment the app runs embedded: SQLite, the in-memory channel layer and
the local-memory cache, so `make run` works on a bare machine. `DATABASE_URL` and
`REDIS_URL` switch to PostgreSQL and Redis; `GAMEBUDDIES_ENV=production` turns on
the hardened settings that `manage.py check --deploy` expects.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

from gamebuddies.logging import logging_config, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _development_secret_key() -> str:
    # Kept in a git-ignored file so sessions survive restarts without a committed secret.
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


PRODUCTION = os.environ.get("GAMEBUDDIES_ENV", "development").lower() == "production"
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY in production (GAMEBUDDIES_ENV=production).")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django_prometheus",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "players",
    "rooms",
    "gameapi",
    # Process-wide hooks (gamebuddies/apps.py): pooled connections tested before use.
    "gamebuddies.apps.GameBuddiesConfig",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "gamebuddies.middleware.RequestIdMiddleware",
    # Re-runs a request whose database connection was lost before commit; outages answer 503.
    "gamebuddies.db_resilience.DatabaseRetryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page language: the footer switch's cookie, else Accept-Language; not the Game API.
    "gamebuddies.locale_middleware.PlayerLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last on purpose: keeps the chain in one thread hop under ASGI (see its docstring).
    "gamebuddies.middleware.SyncBoundaryMiddleware",
]

ROOT_URLCONF = "gamebuddies.urls"
ASGI_APPLICATION = "gamebuddies.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gamebuddies.ui_strings.ui_strings",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# How long a request waits for a pooled PostgreSQL connection, and a connection attempt for
# the server: short, so an unreachable database answers 503 in about this long (issue 16);
# while it is known down, requests are refused at once (gamebuddies/db_resilience.py).
DB_POOL_TIMEOUT_SECONDS = float(os.environ.get("DB_POOL_TIMEOUT_SECONDS", 2))
DB_CONNECT_TIMEOUT_SECONDS = env_int("DB_CONNECT_TIMEOUT_SECONDS", 2)
if DATABASE_URL:
    # Pooled connections are tested before use by gamebuddies/db_resilience.py, not CONN_HEALTH_CHECKS.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's psycopg 3 pool: one pool per worker process, shared by its threads.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2),
            "max_size": env_int("DB_POOL_MAX", 20),
            "timeout": DB_POOL_TIMEOUT_SECONDS,
        }
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", DB_CONNECT_TIMEOUT_SECONDS)
# The lean async paths' own pool (gamebuddies/pg.py), per worker process, PostgreSQL only.
DB_ASYNC_POOL_MIN = env_int("DB_ASYNC_POOL_MIN", 2)
DB_ASYNC_POOL_MAX = env_int("DB_ASYNC_POOL_MAX", 10)
DB_ASYNC_POOL_TIMEOUT_SECONDS = float(os.environ.get("DB_ASYNC_POOL_TIMEOUT_SECONDS", 5))
if not DATABASE_URL:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # Lobby concurrency on the embedded default: writers queue on BEGIN IMMEDIATE
                # for up to `timeout` seconds instead of failing with "database is locked",
                # and WAL lets readers run beside the single writer.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / ".tmp" / "test.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# django-prometheus's instrumented engines (query counts, latency, errors): subclasses of
# Django's own backends, so the pool options above apply unchanged.
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])

# --- Redis: cache and channel layer -----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # One Redis client per process, not one per request or socket (gamebuddies/cache.py),
            # with django-prometheus's cache metrics (gamebuddies/cache_metrics.py).
            "BACKEND": "gamebuddies.cache_metrics.InstrumentedSharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "gb"),
        }
    }
    # Measured on this hardware (docs/performance.md): the pub/sub layer delivered every
    # broadcast at a far lower p99 than the list-based RedisChannelLayer, which silently
    # drops messages past its per-channel capacity. CHANNEL_LAYER=core switches back.
    _layer_backend = {
        # channels_redis's pub/sub layer with reconnect options (gamebuddies/channel_layer.py).
        "pubsub": "gamebuddies.channel_layer.ResilientRedisPubSubChannelLayer",
        "core": "channels_redis.core.RedisChannelLayer",
    }[os.environ.get("CHANNEL_LAYER", "pubsub")]
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": _layer_backend,
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("CHANNEL_PREFIX", "gb")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "gamebuddies.cache_metrics.InstrumentedLocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # django-ratelimit warns that local memory is not shared between processes; the
    # embedded default is one process, so the warning does not apply there.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# Timeout of one Redis command on the lean async paths (gamebuddies/aredis.py).
REDIS_SOCKET_TIMEOUT_SECONDS = float(os.environ.get("REDIS_SOCKET_TIMEOUT_SECONDS", 2))

RATELIMIT_USE_CACHE = "default"
# Per client IP: unknown room codes tried before every code lookup answers 429 for the window.
ROOM_CODE_GUESS_RATE = os.environ.get("ROOM_CODE_GUESS_RATE", "20/m")
# Per client IP: rooms created from the pages.
ROOM_CREATE_RATE = os.environ.get("ROOM_CREATE_RATE", "10/m")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
ADMIN_LOGIN_RATE_PER_IP = os.environ.get("ADMIN_LOGIN_RATE_PER_IP", "10/m")
ADMIN_LOGIN_RATE_PER_USER = os.environ.get("ADMIN_LOGIN_RATE_PER_USER", "5/m")
# Issue 18 round two (docs/security.md). Page and socket code lookups count unknown codes per
# browser (its CSRF cookie, or "no cookie" for each IP) and, higher, per IP (a script rotating cookies).
ROOM_CODE_GUESS_IP_RATE = os.environ.get("ROOM_CODE_GUESS_IP_RATE", "100/m")
# Per client IP: seats taken from the pages (a party of twenty on one Wi-Fi stays well below).
ROOM_JOIN_RATE = os.environ.get("ROOM_JOIN_RATE", "40/m")
# Per client IP: the public room browser's feed (one query a poll). A visible page polls about
# 40 times a minute, so fifteen tabs behind one address still get every answer; a loop does not.
ROOM_LIST_FEED_RATE = os.environ.get("ROOM_LIST_FEED_RATE", "600/m")
# A kicked browser cannot take a new seat in that room for this long, unless the host lifts it.
KICK_BLOCK_SECONDS = env_int("KICK_BLOCK_SECONDS", 600)
# Lifetime of the one-time seat claim code in the API's lobbyUrl.
SEAT_CLAIM_SECONDS = env_int("SEAT_CLAIM_SECONDS", 600)
# Room socket connects: per seat and per client IP (past either: close 4429); open sockets per seat.
WS_CONNECT_RATE_PER_SEAT = os.environ.get("WS_CONNECT_RATE_PER_SEAT", "20/m")
WS_CONNECT_RATE_PER_IP = os.environ.get("WS_CONNECT_RATE_PER_IP", "240/m")
WS_MAX_SOCKETS_PER_SEAT = env_int("WS_MAX_SOCKETS_PER_SEAT", 4)
# A seat's socket that closes is marked disconnected only if no new socket came within this.
WS_DISCONNECT_GRACE_SECONDS = float(os.environ.get("WS_DISCONNECT_GRACE_SECONDS", 3))
# Game API requests without a valid key, per client IP (counted in a metric, not logged as rows).
API_ANONYMOUS_RATE = os.environ.get("API_ANONYMOUS_RATE", "60/m")
# Per API key across all its rooms: rooms created per hour and writes per minute.
API_KEY_ROOMS_PER_HOUR = os.environ.get("API_KEY_ROOMS_PER_HOUR", "200/h")
API_KEY_WRITES_PER_MINUTE = os.environ.get("API_KEY_WRITES_PER_MINUTE", "3000/m")
# Game-state versions kept per room and game, and the bytes they may hold together.
GAME_STATE_VERSIONS_KEPT = env_int("GAME_STATE_VERSIONS_KEPT", 20)
GAME_STATE_ROOM_BYTES = env_int("GAME_STATE_ROOM_BYTES", 1024 * 1024)
# Sizes of what players and games send (gamebuddies/limits.py hands them to services and serializers).
PLAYER_METADATA_MAX_BYTES = env_int("PLAYER_METADATA_MAX_BYTES", 16 * 1024)
PLAYER_GAME_DATA_MAX_BYTES = env_int("PLAYER_GAME_DATA_MAX_BYTES", 64 * 1024)
BULK_STATUS_MAX_PLAYERS = env_int("BULK_STATUS_MAX_PLAYERS", 100)
GAME_RESULT_MAX_BYTES = env_int("GAME_RESULT_MAX_BYTES", 16 * 1024)
GAME_STATE_MAX_BYTES = env_int("GAME_STATE_MAX_BYTES", 256 * 1024)
GAME_SETTINGS_MAX_BYTES = env_int("GAME_SETTINGS_MAX_BYTES", 4096)
GAME_SETTINGS_SCHEMA_MAX_ENTRIES = env_int("GAME_SETTINGS_SCHEMA_MAX_ENTRIES", 20)
ROOM_DEFAULT_MAX_PLAYERS = env_int("ROOM_DEFAULT_MAX_PLAYERS", 8)
ROOM_MAX_SPECTATORS = env_int("ROOM_MAX_SPECTATORS", 20)
# Lobby chat: a per-socket token bucket (checked before any database work) and a per-seat window.
CHAT_MESSAGES_PER_SECOND = env_float("CHAT_MESSAGES_PER_SECOND", 1)
CHAT_MESSAGE_BURST = env_float("CHAT_MESSAGE_BURST", 5)
CHAT_RATE_PER_SEAT = os.environ.get("CHAT_RATE_PER_SEAT", "30/m")
# The newest chat lines kept per room (older ones are deleted as new ones arrive).
CHAT_MESSAGES_KEPT = env_int("CHAT_MESSAGES_KEPT", 50)
# The host's moderation record kept per room (older entries go, except each one still in force).
CHAT_MODERATION_KEPT = env_int("CHAT_MODERATION_KEPT", 200)
# Per client IP, across the demo games' result endpoints: generous for a room of eight on one network.
DEMO_GAMES_RATE = os.environ.get("DEMO_GAMES_RATE", "240/m")

# --- Background work ----------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The background loops (task queue, housekeeping sweep, retention; rooms/background.py) run in
# `manage.py run_worker`, or, with EMBEDDED_WORKER, on threads of the server process itself:
# the default without REDIS_URL, where presence (local-memory cache) and broadcasts (in-memory
# channel layer) exist only inside the server process (docs/architecture.md, "Background work").
EMBEDDED_WORKER = env_bool("EMBEDDED_WORKER", not REDIS_URL)
HOUSEKEEPING_INTERVAL_SECONDS = float(os.environ.get("HOUSEKEEPING_INTERVAL_SECONDS", 5))
RETENTION_INTERVAL_SECONDS = float(os.environ.get("RETENTION_INTERVAL_SECONDS", 3600))

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
SERVE_STATIC = env_bool("SERVE_STATIC", True)
# Garbage collector tuning for server processes (gamebuddies/asgi.py): objects alive after
# start-up are frozen out of collections, and the youngest generation is collected less often.
GC_TUNING = env_bool("GC_TUNING", True)
GC_GEN0_THRESHOLD = env_int("GC_GEN0_THRESHOLD", 20_000)

# --- Internationalisation ---------------------------------------------------
# Player pages in English and German (issue 23): locale/<lang>/LC_MESSAGES/django.po is the
# source; the .mo files are compiled from it by `make run` and the test command.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_JSON_BODY_BYTES", 64 * 1024)
# Only this header is believed for the client address, and only when configured:
# e.g. TRUSTED_PROXY_IP_HEADER=HTTP_X_FORWARDED_FOR behind one reverse proxy.
TRUSTED_PROXY_IP_HEADER = os.environ.get("TRUSTED_PROXY_IP_HEADER", "")

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (docs/security.md).
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Game platform rules ----------------------------------------------------
HOST_GRACE_SECONDS = env_int("HOST_GRACE_SECONDS", 30)
ROOM_ABANDON_SECONDS = env_int("ROOM_ABANDON_SECONDS", 600)
IN_GAME_HEARTBEAT_TIMEOUT_SECONDS = env_int("IN_GAME_HEARTBEAT_TIMEOUT_SECONDS", 90)
LOBBY_PRESENCE_TIMEOUT_SECONDS = env_int("LOBBY_PRESENCE_TIMEOUT_SECONDS", 45)
HEARTBEAT_INTERVAL_MS = env_int("HEARTBEAT_INTERVAL_MS", 30000)
PLAYER_SESSION_DAYS = env_int("PLAYER_SESSION_DAYS", 7)
# Retention (rooms/services/retention.py, gameapi/retention.py; run by run_worker): finished and
# abandoned rooms, with their events, history, game states and sessions, and API request-log rows.
ROOM_RETENTION_DAYS = env_int("ROOM_RETENTION_DAYS", 30)
API_REQUEST_RETENTION_DAYS = env_int("API_REQUEST_RETENTION_DAYS", 30)
PLAYER_COOKIE_NAME = "gb_player"
WS_MAX_MESSAGE_BYTES = env_int("WS_MAX_MESSAGE_BYTES", 16 * 1024)
WS_MESSAGES_PER_SECOND = env_float("WS_MESSAGES_PER_SECOND", 10)
WS_MESSAGE_BURST = env_float("WS_MESSAGE_BURST", 30)
WS_AUTH_TIMEOUT_SECONDS = float(os.environ.get("WS_AUTH_TIMEOUT_SECONDS", 5))
ROOM_STATE_CACHE_SECONDS = 300
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
# Extra origins of game pages allowed to open the room socket with a session token
# (catalog games' launch URL origins are allowed automatically).
GAME_ORIGINS = env_list("GAME_ORIGINS", [])

# --- Webhooks ---------------------------------------------------------------
# Private/loopback targets are refused unless allowed (development, tests with a loopback receiver).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", not PRODUCTION and DEBUG)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
# One total deadline per attempt: DNS lookup, connect, TLS, response headers and (capped) body.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 5))
# Attempts run on sender threads (per worker process), at most WEBHOOK_ENDPOINT_CONCURRENCY
# at once per endpoint across all workers; a worker task waits this long for them, then
# moves on to other rooms (gameapi/webhooks/senders.py).
WEBHOOK_SENDER_THREADS = env_int("WEBHOOK_SENDER_THREADS", 8)
WEBHOOK_ENDPOINT_CONCURRENCY = env_int("WEBHOOK_ENDPOINT_CONCURRENCY", 2)
WEBHOOK_DISPATCH_WAIT_SECONDS = float(os.environ.get("WEBHOOK_DISPATCH_WAIT_SECONDS", 0.5))
# Retries back off exponentially (5 s doubling to 1 h, jittered) until this window ends: about a day.
WEBHOOK_RETRY_WINDOW_SECONDS = env_int("WEBHOOK_RETRY_WINDOW_SECONDS", 86400)
# Fernet keys for webhook secrets at rest (first encrypts; all decrypt). Default: derived from SECRET_KEY.
WEBHOOK_ENCRYPTION_KEYS = env_list("WEBHOOK_ENCRYPTION_KEYS", [])

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser behind a nesting limit checked before parsing (no RecursionError 500s).
    "DEFAULT_PARSER_CLASSES": ["gameapi.parsers.DepthLimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gamebuddies.errors.drf_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GameBuddies Game API",
    "DESCRIPTION": "REST API v2 for external games: sessions, player status, game state, game end.",
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
# One JSON object per line in production (or LOG_FORMAT=json), readable lines otherwise; every
# handler, Uvicorn's included, redacts secrets and adds the request id (gamebuddies/logging.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text").lower()
LOGGING = logging_config(level=LOG_LEVEL, json_lines=LOG_FORMAT == "json")
# Error reporting, off unless set: sentry-sdk is imported only then, events scrubbed like the logs.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    sentry_init(SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production" if PRODUCTION else "dev"))

# --- Game API v2 (gameapi) --------------------------------------------------
# Swagger UI from our own static files (drf-spectacular-sidecar): no CDN, strict CSP.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
        "ENUM_NAME_OVERRIDES": {
            "RoomStatusEnum": "rooms.models.RoomStatus",
            "PlayerStatusEnum": "rooms.models.PlayerStatus",
            "LocationEnum": "rooms.models.Location",
            "MemberRoleEnum": "rooms.models.MemberRole",
            "SeatRoleEnum": ["player", "spectator"],
        },
    }
)
# The lean async path for the hottest Game API routes (gameapi/lean/): on with PostgreSQL
# and Redis, where it runs on psycopg's async pool and an asyncio Redis client; the DRF
# views serve the same routes otherwise (SQLite, local memory) or with GAMEAPI_LEAN_PATH=0.
_ON_POSTGRESQL = DATABASES["default"]["ENGINE"].endswith("postgresql")
GAMEAPI_LEAN_PATH = env_bool("GAMEAPI_LEAN_PATH", bool(REDIS_URL) and _ON_POSTGRESQL)
# Per API key (status per key and room, heartbeats per key and player); a key's own
# ApiKey.rate_limits entry overrides its tier, e.g. {"status": "120/m"}.
GAME_API_RATE_LIMITS = {
    "validation": os.environ.get("API_RATE_VALIDATION", "100/m"),
    "status": os.environ.get("API_RATE_STATUS", "60/m"),
    "bulk": os.environ.get("API_RATE_BULK", "10/m"),
    "heartbeat": os.environ.get("API_RATE_HEARTBEAT", "120/m"),
    "room_create": os.environ.get("API_RATE_ROOM_CREATE", "30/m"),
    "read": os.environ.get("API_RATE_READ", "300/m"),
    "write": os.environ.get("API_RATE_WRITE", "120/m"),
}
# API keys: lifetime of a new key, and how long a rotated key's predecessor keeps working.
GAME_API_KEY_LIFETIME_DAYS = env_int("GAME_API_KEY_LIFETIME_DAYS", 365)
GAME_API_ROTATION_GRACE_DAYS = env_int("GAME_API_ROTATION_GRACE_DAYS", 7)
# Idempotency-Key answers are replayed this long; an unfinished one (its worker died) blocks
# duplicates at most GAME_API_IN_FLIGHT_SECONDS; identical unkeyed requests are deduplicated
# while in flight, at most GAME_API_DEDUP_SECONDS.
GAME_API_IDEMPOTENCY_TTL_SECONDS = env_int("GAME_API_IDEMPOTENCY_TTL_SECONDS", 24 * 3600)
GAME_API_IN_FLIGHT_SECONDS = env_int("GAME_API_IN_FLIGHT_SECONDS", 60)
GAME_API_DEDUP_SECONDS = env_int("GAME_API_DEDUP_SECONDS", 5)
# The API request log is written in batches, from a background thread (tests flush it themselves).
GAME_API_REQUEST_LOG_BATCH = env_int("GAME_API_REQUEST_LOG_BATCH", 100)
GAME_API_REQUEST_LOG_INTERVAL_SECONDS = env_float("GAME_API_REQUEST_LOG_INTERVAL_SECONDS", 1.0)
GAME_API_REQUEST_LOG_BACKGROUND = env_bool("GAME_API_REQUEST_LOG_BACKGROUND", True)
# A key's last-used time is written at most this often.
GAME_API_LAST_USED_RESOLUTION_SECONDS = env_int("GAME_API_LAST_USED_RESOLUTION_SECONDS", 60)

# --- Demo games (demo) --------------------------------------------------------
# The bundled example games served under /games/ (the catalog entries of load_demo_data).
INSTALLED_APPS += ["demo"]
