"""Things only a workspace admin can fix (a missing scope, the bot not in the moderator channel).

A problem is logged, audited, kept for a day so every admin reply of `/threadkeeper` starts with
it, and sent once an hour as a direct message to the admins listed in `[slack] admin_user_ids`.
Reporting never raises: a broken report must not break the delivery that found the problem.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.config import SlackConfig
from bot.core.domain import Actor
from bot.core.errors import StoreUnavailable
from bot.core.ports import AuditRecord, Store
from bot.platforms.slack.ids import PLATFORM

log = logging.getLogger("threadkeeper.slack")

KEEP_SECONDS = 86400
TELL_EVERY_SECONDS = 3600
# Errors meaning "the bot cannot post in that channel" rather than "Slack is having a bad day".
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


class Problem(enum.StrEnum):
    MODERATOR_CHANNEL = "moderator_channel"
    MISSING_SCOPE = "missing_scope"
    USER_GROUP = "user_group"


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (`not_in_channel`...), or `http_STATUS` when the answer was not JSON."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return f"http_{getattr(exc.response, 'status_code', 0)}"


def missing_scope_text(needed: str, doing: str) -> str:
    return (
        f"The app lacks the `{needed}` permission, so {doing} failed. Fix: add `{needed}` under "
        "OAuth & Permissions > Bot Token Scopes (config/slack-manifest.yaml lists every scope the "
        "bot needs), then reinstall the app to the workspace."
    )


def moderator_channel_text(channel: str, code: str) -> str:
    if not channel:
        return (
            "No moderator channel is set, so crisis alerts and disputed endings are waiting "
            "undelivered. Fix: run `/threadkeeper modchannel #your-moderators-channel`, then invite "
            "me there with `/invite @Threadkeeper`."
        )
    if code == "is_archived":
        return (
            f"The moderator channel <#{channel}> is archived, so alerts are waiting undelivered. "
            "Fix: unarchive it, or pick another one with `/threadkeeper modchannel #channel`."
        )
    return (
        f"I can't post in the moderator channel <#{channel}> (Slack says `{code}`), so crisis alerts "
        "are waiting undelivered. Fix: type `/invite @Threadkeeper` in that channel (a private "
        "channel needs the invitation), or pick another one with `/threadkeeper modchannel #channel`."
    )


class Problems:
    def __init__(
        self,
        store: Store,
        client: AsyncWebClient,
        config: SlackConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.client = client
        self.config = config
        self.clock = clock

    async def report(self, team: str, kind: Problem, text: str) -> None:
        """Record `text` as the current `kind` of problem in `team` and tell the admins (hourly)."""
        log.warning("slack_problem", extra={"platform": PLATFORM, "space": team, "problem": kind.value})
        try:
            await self.store.remember("slack-problem", f"{team}:{kind.value}", text, KEEP_SECONDS)
            fresh = await self.store.remember(
                "slack-problem-told", f"{team}:{kind.value}", "1", TELL_EVERY_SECONDS, only_if_new=True
            )
            if not fresh:
                return
            record = AuditRecord("problem", "", "", Actor.SYSTEM, text, self.clock())
            await self.store.add_audit(PLATFORM, team, record)
        except StoreUnavailable as exc:
            log.error("slack_problem_not_recorded", extra={"space": team, "error": str(exc)})
        for admin in self.config.admin_user_ids:
            try:
                await self.client.chat_postMessage(
                    channel=admin, text=f":warning: Threadkeeper needs a fix: {text}", unfurl_links=False
                )
            except SlackApiError as exc:
                log.warning("slack_admin_dm_failed", extra={"user": admin, "error": error_code(exc)})

    async def clear(self, team: str, kind: Problem) -> None:
        try:
            if await self.store.recall("slack-problem", f"{team}:{kind.value}"):
                await self.store.remember("slack-problem", f"{team}:{kind.value}", "", 1)
                await self.store.remember("slack-problem-told", f"{team}:{kind.value}", "", 1)
        except StoreUnavailable:
            pass

    async def active(self, team: str) -> list[str]:
        """What is currently wrong in `team`, one sentence each."""
        found: list[str] = []
        for kind in Problem:
            try:
                text = await self.store.recall("slack-problem", f"{team}:{kind.value}")
            except StoreUnavailable:
                return found
            if text:
                found.append(text)
        return found

    async def from_error(self, team: str, exc: SlackApiError, doing: str) -> None:
        """Report a missing scope found by a failed call (other errors are the caller's to judge)."""
        if error_code(exc) == "missing_scope":
            data = getattr(exc.response, "data", None)
            needed = str(data.get("needed") or "?") if isinstance(data, dict) else "?"
            await self.report(team, Problem.MISSING_SCOPE, missing_scope_text(needed, doing))
