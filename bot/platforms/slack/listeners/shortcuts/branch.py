"""The "Branch from here" message shortcut: a new conversation seeded up to the chosen message.

The new conversation is the thread of a fresh top-level message in the same channel. It starts
with a clean slate (no count, no warning), remembering only the words up to the chosen message,
whether the original thread has ended or not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.core.branching import BranchPoint
from bot.core.domain import Author
from bot.platforms.slack.blocks.thread import branch_root
from bot.platforms.slack.deps import SlackDeps
from bot.platforms.slack.ids import thread_key
from bot.platforms.slack.listeners.payloads import Shortcut
from bot.platforms.slack.problems import error_code
from bot.platforms.slack.text import from_slack, strip_mention

log = logging.getLogger("threadkeeper.slack")

BRANCH_FROM_HERE = "branch_from_here"
# What the bot adds around its own words when posting them (emoji prefixes, italics for notices).
_DECORATION = re.compile(r"^(?::(?:warning|no_entry|seedling): )?_?(.*?)_?$", re.DOTALL)


def branch_point(shortcut: Shortcut, bot_user_id: str | None, bot_id: str | None, author: str) -> BranchPoint:
    """The chosen message as the transcript would hold it."""
    message = shortcut.message
    from_bot = bool(
        (bot_id and message.get("bot_id") == bot_id) or (bot_user_id and message.get("user") == bot_user_id)
    )
    raw = str(message.get("text") or "")
    if from_bot:
        found = _DECORATION.match(from_slack(raw))
        return BranchPoint(found.group(1) if found else from_slack(raw), True, "")
    return BranchPoint(from_slack(strip_mention(raw, bot_user_id)), False, author)


def branch_handler(deps: SlackDeps) -> Callable[..., Awaitable[None]]:
    async def handle_branch(body: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond) -> None:
        shortcut = Shortcut.of(body)
        if shortcut is None:
            return
        async with deps.work.track():
            try:
                answer = await branch(deps, shortcut, context.bot_user_id, context.bot_id)
            except Exception:
                log.exception("slack_branch_failed", extra={"space": shortcut.team})
                answer = "Sorry, I couldn't start a branch from that message just now. Please try again."
            await respond(text=answer, response_type="ephemeral", replace_original=False)

    return handle_branch


async def branch(deps: SlackDeps, shortcut: Shortcut, bot_user_id: str | None, bot_id: str | None) -> str:
    """Start the branch; what to tell the member who asked."""
    team, channel = shortcut.team, shortcut.channel
    if not await deps.conversations.is_open(team, channel, shortcut.thread_ts):
        return (
            '"Branch from here" works on the messages of a conversation with me. '
            "Mention me in a channel to start one."
        )
    member = await deps.people.get(team, shortcut.user)
    author = member.name
    if shortcut.message.get("user") and shortcut.message.get("user") != shortcut.user:
        author = (await deps.people.get(team, str(shortcut.message["user"]))).name
    point = branch_point(shortcut, bot_user_id, bot_id, author)
    cfg = await deps.space(team)
    source_link = await deps.poster.permalink(channel, shortcut.ts)
    try:
        root_ts = await deps.poster.post(channel, branch_root(cfg.texts.branched, member.name, source_link))
    except SlackApiError as exc:
        await deps.problems.from_error(team, exc, "starting a branched conversation")
        return f"I couldn't post in this channel to start the branch (Slack says `{error_code(exc)}`)."
    await deps.conversations.mark(team, channel, root_ts)
    source = thread_key(team, channel, shortcut.thread_ts)
    target = thread_key(team, channel, root_ts)
    seed = await deps.branches.branch(source, target, point, Author(member.id, member.name))
    link = await deps.poster.permalink(channel, root_ts)
    where = f"<{link}|the new thread>" if link else "the new thread"
    return (
        f"Started a new conversation from that message: reply in {where}. "
        f"I remember the {len(seed)} message{'s' if len(seed) != 1 else ''} up to there."
    )
