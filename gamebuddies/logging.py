"""Log hygiene: secrets never reach a log line, whatever code logs them."""

import logging
import re

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
