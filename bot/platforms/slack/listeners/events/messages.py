"""`app_mention` and `message` events: both go the same way, so a mention delivered twice (and every
retry) reaches the engine with the same message id and is handled once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.platforms.slack.deps import SlackDeps

log = logging.getLogger("threadkeeper.slack")

Handler = Callable[..., Awaitable[None]]


def _handler(deps: SlackDeps, *, mention: bool) -> Handler:
    async def handle_event(body: dict[str, Any], context: AsyncBoltContext) -> None:
        event = body.get("event") or {}
        team = str(context.team_id or body.get("team_id") or "")
        if not team:
            return
        async with deps.work.track():
            try:
                await deps.conversations.on_message(team, event, context.bot_user_id, mentioned=mention)
            except Exception:
                log.exception("slack_event_failed", extra={"space": team, "event": event.get("type")})

    return handle_event


def mention_handler(deps: SlackDeps) -> Handler:
    return _handler(deps, mention=True)


def message_handler(deps: SlackDeps) -> Handler:
    return _handler(deps, mention=False)
