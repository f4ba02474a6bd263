"""The few fields of Slack's interactivity payloads the listeners read, pulled out once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.platforms.slack.blocks.thread import Message, settled


def _id(body: dict[str, Any], name: str) -> str:
    part = body.get(name)
    if isinstance(part, dict):
        return str(part.get("id") or "")
    return str(body.get(f"{name}_id") or "")


@dataclass(frozen=True, slots=True)
class Press:
    """A button press (`block_actions`) on one of the bot's messages."""

    team: str
    user: str
    channel: str
    message_ts: str
    thread_ts: str
    value: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, body: dict[str, Any]) -> Press | None:
        message = body.get("message") or {}
        actions = body.get("actions") or [{}]
        team, user, channel = _id(body, "team"), _id(body, "user"), _id(body, "channel")
        ts = str(message.get("ts") or (body.get("container") or {}).get("message_ts") or "")
        if not (team and user and channel and ts):
            return None
        return cls(
            team=team,
            user=user,
            channel=channel,
            message_ts=ts,
            thread_ts=str(message.get("thread_ts") or ts),
            value=str(actions[0].get("value") or ""),
            blocks=list(message.get("blocks") or []),
        )

    def settled(self, status: str) -> Message:
        """The pressed message with its buttons replaced by `status`, for `chat.update`."""
        return Message(status, settled(self.blocks, status))


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A message shortcut (`message_action`): who used it on which message."""

    team: str
    user: str
    channel: str
    message: dict[str, Any]

    @property
    def ts(self) -> str:
        return str(self.message.get("ts") or "")

    @property
    def thread_ts(self) -> str:
        return str(self.message.get("thread_ts") or self.ts)

    @classmethod
    def of(cls, body: dict[str, Any]) -> Shortcut | None:
        team, user, channel = _id(body, "team"), _id(body, "user"), _id(body, "channel")
        message = body.get("message")
        if not (team and user and channel and isinstance(message, dict) and message.get("ts")):
            return None
        return cls(team, user, channel, message)
