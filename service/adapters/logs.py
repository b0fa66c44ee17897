"""Structured logs (one JSON object a line) that never carry phone numbers.

Log calls pass ids as `extra` fields. As a second line of defence, anything that looks like a
phone number is masked in the final line, whatever put it there (an exception from a library
quoting the number it was given, say). Message bodies are never handed to a logger.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# E.164 (+ or URL-encoded %2B, then 7-15 digits, perhaps spaced) or a bare run of 10-15 digits,
# not inside a word.
PHONE_LIKE = re.compile(r"(?:(?<![\w+])\+|%2[Bb])\d[\d\s\-]{5,18}\d(?![\w])|(?<![\w+])\d{10,15}(?![\w])")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact(text: str) -> str:
    return PHONE_LIKE.sub("[number]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON lines (called by entry points, not on import)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # twilio's HTTP client logs every request URL and body at INFO: numbers and texts. Never that.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
