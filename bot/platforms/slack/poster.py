"""Posting into Slack: thread messages, updates, reactions, permalinks, with errors made plain."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.blocks.thread import Message
from bot.platforms.slack.problems import Problems, error_code

log = logging.getLogger("threadkeeper.slack")

# Worth another try later; anything else will fail the same way again.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, SlackApiError):
        return error_code(exc) in TRANSIENT_ERRORS
    return isinstance(exc, aiohttp.ClientError | TimeoutError)


class Poster:
    def __init__(self, client: AsyncWebClient, problems: Problems) -> None:
        self.client = client
        self.problems = problems

    async def post(self, channel: str, message: Message, thread_ts: str | None = None) -> str:
        """Post `message`; its ts. Raises `SlackApiError` or a network error."""
        response = await self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks or None,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response.get("ts") or "")

    async def post_quietly(
        self, team: str, channel: str, message: Message, thread_ts: str | None = None
    ) -> str | None:
        """Post `message`; None (logged, missing scopes reported) when Slack refuses."""
        try:
            return await self.post(channel, message, thread_ts)
        except SlackApiError as exc:
            log.warning(
                "slack_post_failed",
                extra={"space": team, "channel": channel, "thread_ts": thread_ts, "error": error_code(exc)},
            )
            await self.problems.from_error(team, exc, "posting a message")
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack_unreachable", extra={"space": team, "channel": channel, "error": repr(exc)})
        return None

    async def update(self, team: str, channel: str, ts: str, message: Message) -> bool:
        try:
            await self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks or None
            )
        except SlackApiError as exc:
            log.warning(
                "slack_update_failed", extra={"space": team, "channel": channel, "error": error_code(exc)}
            )
            await self.problems.from_error(team, exc, "updating a message")
            return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack_unreachable", extra={"space": team, "channel": channel, "error": repr(exc)})
            return False
        return True

    async def permalink(self, channel: str, ts: str) -> str:
        """A link to the message, or "" when Slack cannot give one."""
        if not channel or not ts:
            return ""
        try:
            response = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            code = error_code(exc) if isinstance(exc, SlackApiError) else repr(exc)
            log.info("slack_permalink_failed", extra={"channel": channel, "error": code})
            return ""
        return str(response.get("permalink") or "")

    async def react(self, team: str, channel: str, ts: str, name: str, *, add: bool = True) -> None:
        """Add (or remove) a reaction; a reaction already there (or gone) is fine."""
        if not name:
            return
        try:
            if add:
                await self.client.reactions_add(channel=channel, timestamp=ts, name=name)
            else:
                await self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            code = error_code(exc)
            if code in ("already_reacted", "no_reaction"):
                return
            log.warning("slack_reaction_failed", extra={"space": team, "channel": channel, "error": code})
            await self.problems.from_error(team, exc, "marking an ended thread with a reaction")
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack_unreachable", extra={"space": team, "channel": channel, "error": repr(exc)})
