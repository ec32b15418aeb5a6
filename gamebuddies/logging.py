"""Log hygiene and shape: secrets never reach a log line, whatever code logs them; each line
carries the request (or socket message) it belongs to; JSON lines in production.

Also the optional error reporting (SENTRY_DSN), scrubbed by the same redaction.
"""

import contextvars
import logging
import re
from contextlib import contextmanager

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

# API keys (gb_ + 64 hex), player session tokens (gbs_...), webhook secrets (whsec_...),
# and anything passed as a token/key/secret query or JSON field.
_PATTERNS = [
    re.compile(r"gb_[0-9a-f]{64}"),
    re.compile(r"gbs_[A-Za-z0-9_\-]{20,}"),
    re.compile(r"whsec_[A-Za-z0-9_\-]{20,}"),
    re.compile(r"(?i)((?:session_?token|sessionToken|api_?key|secret|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS[:3]:
        text = pattern.sub("[REDACTED]", text)
    return _PATTERNS[3].sub(r"\1[REDACTED]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not drop the record
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


# --- Context of the request or socket message being handled ---------------------------------
# Set by RequestIdMiddleware (per request) and the room socket (per message); any code may add
# what it learns (the API key, the room) with bind(). Every log record carries them.
CONTEXT_FIELDS = ("request_id", "room_code", "api_key_prefix", "player_id")
_context = {name: contextvars.ContextVar(f"gamebuddies_log_{name}", default=None) for name in CONTEXT_FIELDS}


@contextmanager
def log_context(**values):
    """Set context fields for the block; on exit they, and whatever bind() set inside, are undone."""
    tokens = [(_context[name], _context[name].set(None if v is None else str(v))) for name, v in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind(**values) -> None:
    """Add context fields for the rest of the current request or message (see log_context)."""
    for name, value in values.items():
        _context[name].set(None if value is None else str(value))


def current_context() -> dict:
    return {name: var.get() for name, var in _context.items()}


class ContextFilter(logging.Filter):
    """Copies the known context fields onto each record (an explicit `extra=` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _context.items():
            value = var.get()
            if value is not None and getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class ReadableFormatter(logging.Formatter):
    """Development lines: time, level, logger, [request id], message; tracebacks redacted too."""

    def __init__(self):
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s", defaults={"request_id": "-"}
        )

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonLinesFormatter(JsonFormatter):
    """Production lines: one JSON object each, with time, level, logger, message and the
    context fields that are known; tracebacks included and redacted like the message."""

    def __init__(self):
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            # Uvicorn's colour copy of its message would repeat it unredacted.
            reserved_attrs=[*RESERVED_ATTRS, "color_message", *CONTEXT_FIELDS],
        )

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_record, record, message_dict)
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                log_record[name] = value

    def process_log_record(self, log_record: dict) -> dict:
        # Each value is redacted before it is serialised (the formatted line is JSON: no regex over it).
        return scrub(super().process_log_record(log_record))


def logging_config(*, level: str, json_lines: bool) -> dict:
    """settings.LOGGING: one console handler, redacting, for Django's loggers, ours and Uvicorn's."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json" if json_lines else "readable",
        "filters": ["redact_secrets", "context"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact_secrets": {"()": "gamebuddies.logging.RedactSecretsFilter"},
            "context": {"()": "gamebuddies.logging.ContextFilter"},
        },
        "formatters": {
            "readable": {"()": "gamebuddies.logging.ReadableFormatter"},
            "json": {"()": "gamebuddies.logging.JsonLinesFormatter"},
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "django_tasks": {"level": "WARNING" if level != "DEBUG" else "DEBUG"},
            # Uvicorn configures its own handlers before the app loads; these replace them, so
            # its lines (the WebSocket handshake line carries the query string) are redacted too.
            "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO", "propagate": True},
            # Its access log prints whole request lines, query strings (session tokens) and all:
            # always off, whatever the command line says; nginx logs paths only (deploy/nginx.conf).
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


# --- Error reporting --------------------------------------------------------------------------
_SECRET_KEYS = {
    "token", "sessiontoken", "session_token", "api_key", "apikey", "x-api-key", "x_api_key", "http_x_api_key",
    "authorization", "http_authorization", "cookie", "http_cookie", "secret", "password", "claim",
}  # fmt: skip


def scrub(value):
    """The same redaction as the logs, over a whole Sentry event: every string, and any value under a secret's name."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: "[REDACTED]" if str(k).lower() in _SECRET_KEYS else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def sentry_init(dsn: str, *, environment: str) -> None:
    """Error reporting to Sentry (SENTRY_DSN): imported and started only when a DSN is set."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        before_send=lambda event, hint: scrub(event),
        before_breadcrumb=lambda crumb, hint: scrub(crumb),
    )
