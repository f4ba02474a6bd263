"""How Slack places map onto the engine's keys: a thread is `CHANNEL:THREAD_TS` in team `T...`."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bot.core.domain import ThreadKey

PLATFORM = "slack"

_PERMALINK = re.compile(r"/archives/(?P<channel>[A-Z0-9]+)/p(?P<ts>\d{7,})")


def thread_id(channel: str, thread_ts: str) -> str:
    return f"{channel}:{thread_ts}"


def thread_key(team: str, channel: str, thread_ts: str) -> ThreadKey:
    return ThreadKey(PLATFORM, team, thread_id(channel, thread_ts))


def message_id(channel: str, ts: str) -> str:
    """The engine's de-duplication id: the same for a mention delivered as `app_mention` and as
    `message`, and for every retry of either."""
    return f"{channel}:{ts}"


def split_thread(thread: str) -> tuple[str, str]:
    """`(channel, thread_ts)` of a thread id."""
    channel, _, ts = thread.partition(":")
    return channel, ts


def from_permalink(text: str) -> str | None:
    """The thread id a message link points into (`.../archives/C1/p1700000000000100?thread_ts=...`)."""
    url = text.strip().strip("<>").split("|")[0]
    found = _PERMALINK.search(url)
    if found is None:
        return None
    thread_ts = parse_qs(urlsplit(url).query).get("thread_ts", [""])[0]
    if not re.fullmatch(r"\d+\.\d+", thread_ts):
        digits = found.group("ts")
        thread_ts = f"{digits[:-6]}.{digits[-6:]}"
    return thread_id(found.group("channel"), thread_ts)
