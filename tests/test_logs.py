"""Log lines carry the event name and its fields, readable by people and by log tools."""

from __future__ import annotations

import logging

from bot.logs import KeyValueFormatter


def test_fields_follow_the_event_name() -> None:
    record = logging.LogRecord(
        "threadkeeper.engine", logging.WARNING, __file__, 1, "brain_unavailable", (), None
    )
    record.brain = "anthropic"
    record.error = "timed out after 20 s"
    line = KeyValueFormatter().format(record)
    assert line.split(" ", 1)[1] == (
        "WARNING threadkeeper.engine brain_unavailable brain=anthropic error='timed out after 20 s'"
    )
