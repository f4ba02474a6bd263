"""Fair / Not fair on a closing message; "not fair" reaches the moderators as a dispute."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.core.domain import Author
from bot.core.feedback import FeedbackService
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.ids import thread_key
from bot.platforms.slack.listeners.payloads import Press
from bot.platforms.slack.text import neutralise

log = logging.getLogger("threadkeeper.slack")


def feedback_handler(deps: SlackDeps, *, fair: bool) -> Callable[..., Awaitable[None]]:
    async def handle_feedback(body: dict[str, Any], respond: AsyncRespond) -> None:
        press = Press.of(body)
        if press is None:
            return
        async with deps.work.track():
            try:
                key = thread_key(press.team, press.channel, press.thread_ts)
                person = await deps.people.get(press.team, press.user)
                texts = (await deps.space(press.team)).texts
                feedback = FeedbackService(deps.store, texts)
                reply = await feedback.give(key, Author(press.user, person.name), fair, press.channel)
                if not fair:
                    deps.runtime.relay.kick()  # the dispute was queued for the moderators
                await respond(text=neutralise(reply), response_type="ephemeral", replace_original=False)
            except Exception:
                log.exception("slack_feedback_failed", extra={"space": press.team})

    return handle_feedback
