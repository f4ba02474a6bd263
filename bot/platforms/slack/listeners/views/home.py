"""App Home opened: publish the home tab (admins also see the settings and what needs fixing)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.platforms.slack.blocks.home import home_view
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.problems import error_code

log = logging.getLogger("threadkeeper.slack")


def home_handler(deps: SlackDeps) -> Callable[..., Awaitable[None]]:
    async def handle_home(body: dict[str, Any], context: AsyncBoltContext) -> None:
        event = body.get("event") or {}
        user, team = str(event.get("user") or ""), str(context.team_id or body.get("team_id") or "")
        if event.get("tab") not in (None, "home") or not user or not team:
            return
        async with deps.work.track():
            try:
                admin = await deps.people.is_admin(team, user)
                cfg = await deps.space(team) if admin else None
                problems = await deps.problems.active(team) if admin else []
                await deps.client.views_publish(user_id=user, view=home_view(cfg, problems))
            except SlackApiError as exc:
                log.warning("slack_home_failed", extra={"space": team, "error": error_code(exc)})
            except Exception:
                log.exception("slack_home_failed", extra={"space": team})

    return handle_home
