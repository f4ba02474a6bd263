"""Confirm / Keep talking on the "end this conversation?" prompt: an explicit intent for the engine."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.platforms.slack.conversations import Intent
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.listeners.payloads import Press
from bot.platforms.slack.text import neutralise

log = logging.getLogger("threadkeeper.slack")

CHOICES = {"confirm_end": "end the conversation", "keep_talking": "keep talking"}


def choice_handler(deps: SlackDeps, intent: Intent) -> Callable[..., Awaitable[None]]:
    async def handle_choice(body: dict[str, Any], respond: AsyncRespond) -> None:
        press = Press.of(body)
        if press is None:
            return
        async with deps.work.track():
            try:
                if not await deps.conversations.is_open(press.team, press.channel, press.thread_ts):
                    return
                outcome = await deps.conversations.press(
                    press.team, press.channel, press.thread_ts, press.message_ts, press.user, intent
                )
                if outcome.ignored == "duplicate":
                    await respond(
                        text="Someone has already answered this question.",
                        response_type="ephemeral",
                        replace_original=False,
                    )
                    return
                if outcome.ignored == "ended":
                    return
                person = await deps.people.get(press.team, press.user)
                status = f"{neutralise(person.name)} chose to *{CHOICES[intent]}*."
                await deps.poster.update(
                    press.team,
                    press.channel,
                    press.message_ts,
                    press.settled(status),
                )
            except Exception:
                log.exception("slack_choice_failed", extra={"space": press.team, "intent": intent})

    return handle_choice
