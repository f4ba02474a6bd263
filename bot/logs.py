"""Structured logs: one event name plus `key=value` fields per line, never message texts at INFO."""

from __future__ import annotations

import logging
import sys

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    """`2026-11-25T09:00:00 WARNING threadkeeper.engine brain_unavailable brain=anthropic error=...`"""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{key}={_quote(value)}" for key, value in vars(record).items() if key not in _STANDARD
        )
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        line = f"{when} {record.levelname} {record.name} {record.getMessage()}"
        if fields:
            line += " " + fields
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _quote(value: object) -> str:
    text = str(value)
    return repr(text) if not text or any(c.isspace() or c in "\"'=" for c in text) else text


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.WARNING))
