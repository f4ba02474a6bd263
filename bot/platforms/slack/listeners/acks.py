"""The ack half of every listener: answer Slack within its 3 seconds, do the work lazily."""

from __future__ import annotations

from slack_bolt.context.ack.async_ack import AsyncAck


async def acknowledged() -> None:
    """For events, which Bolt acknowledges itself before any listener code runs."""


async def ack_now(ack: AsyncAck) -> None:
    """For commands, buttons and shortcuts: an empty 200 at once, the answer follows."""
    await ack()
