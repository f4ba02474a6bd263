"""Slack messages into the engine, and what the engine says back into the thread.

A conversation is a Slack thread the bot was mentioned in (or a top-level message in an AI
channel). The store remembers which threads are conversations, so later messages there need no
mention; the engine's own record says whether a conversation has ended. A mention delivered as both
`app_mention` and `message`, and every retry of either, carry the same message id, so the engine
handles it once.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Literal

from bot.core.actions import Action, AskConfirmEnd, Notice, Reply, Warn, is_durable
from bot.core.config import SpaceConfig
from bot.core.domain import Inbound
from bot.core.engine import Outcome
from bot.core.errors import StoreUnavailable
from bot.core.ports import Routed
from bot.platforms.slack.blocks import thread as views
from bot.platforms.slack.ids import PLATFORM, message_id, split_thread, thread_id
from bot.platforms.slack.people import People
from bot.platforms.slack.poster import Poster
from bot.platforms.slack.sink import SlackSink
from bot.platforms.slack.text import from_slack, mentions, neutralise, strip_mention
from bot.runtime import Runtime

log = logging.getLogger("threadkeeper.slack")

MARK_SCOPE = "slack-conv"
SEEN_SCOPE = "slack-seen"
# Message subtypes that are still a member talking; every other subtype (edits, joins, bot
# messages, deletions...) is not a message to answer.
TALKING_SUBTYPES = frozenset({"file_share", "thread_broadcast"})

REOPEN_WINDOW_SECONDS = 60
RECENT_THREADS = 10_000

Intent = Literal["confirm_end", "keep_talking"]


class Conversations:
    def __init__(self, runtime: Runtime, people: People, poster: Poster, sink: SlackSink) -> None:
        self.runtime = runtime
        self.people = people
        self.poster = poster
        self.sink = sink
        self.mark_seconds = runtime.app.store.ended_ttl_days * 86400
        # Conversations this process has seen lately: with Redis down, a member's message in one
        # of them still reaches the engine, whose safety net gets a crisis to the moderators.
        self._recent: OrderedDict[str, None] = OrderedDict()

    async def space(self, team: str) -> SpaceConfig:
        return await self.sink.space(team)

    async def is_open(self, team: str, channel: str, thread_ts: str) -> bool:
        """Whether the thread is one of the bot's conversations (ended or not)."""
        name = f"{team}:{thread_id(channel, thread_ts)}"
        if name in self._recent:  # marks last as long as ended markers: no need to ask Redis again
            self._seen(name)
            return True
        found = await self.runtime.store.recall(MARK_SCOPE, name) is not None
        if found:
            self._seen(name)
        return found

    async def mark(self, team: str, channel: str, thread_ts: str) -> None:
        name = f"{team}:{thread_id(channel, thread_ts)}"
        self._seen(name)
        await self.runtime.store.remember(MARK_SCOPE, name, "1", self.mark_seconds)

    def _seen(self, name: str) -> None:
        self._recent[name] = None
        self._recent.move_to_end(name)
        while len(self._recent) > RECENT_THREADS:
            self._recent.popitem(last=False)

    async def on_message(
        self, team: str, event: dict[str, Any], bot_user_id: str | None, *, mentioned: bool
    ) -> None:
        """One `message` or `app_mention` event: start or continue a conversation, or ignore it."""
        if event.get("subtype") not in (None, *TALKING_SUBTYPES):
            return
        user = event.get("user")
        channel, ts = event.get("channel"), event.get("ts")
        if event.get("bot_id") or not user or not channel or not ts:
            return
        raw = str(event.get("text") or "")
        thread_ts = str(event.get("thread_ts") or ts)
        mentioned = mentioned or mentions(raw, bot_user_id)
        try:
            if mentioned:
                await self.mark(team, channel, thread_ts)
            elif not await self.is_open(team, channel, thread_ts):
                if thread_ts != ts or channel not in (await self.space(team)).ai_channels:
                    return
                await self.mark(team, channel, thread_ts)
        except StoreUnavailable as exc:
            log.error("slack_store_unavailable", extra={"space": team, "error": str(exc)})
            if not mentioned and f"{team}:{thread_id(channel, thread_ts)}" not in self._recent:
                return
        msg = await self._inbound(
            team,
            channel,
            thread_ts,
            user,
            message_id(channel, ts),
            text=from_slack(strip_mention(raw, bot_user_id)),
            mentions_bot=mentioned,
            timestamp=_seconds(ts),
        )
        if not msg.text.strip() and not await self._first_time(msg.message_id):
            return  # the engine de-duplicates only messages it reads; an empty one twice is ours
        await self.sink.know(team)
        outcome = await self.runtime.engine.handle(msg)
        log.info(
            "slack_message_handled",
            extra={"conversation": msg.key.tag, "ignored": outcome.ignored, "actions": len(outcome.actions)},
        )
        await self.show(msg, thread_ts, outcome)

    async def press(
        self, team: str, channel: str, thread_ts: str, prompt_ts: str, user: str, intent: Intent
    ) -> Outcome:
        """A Confirm / Keep talking button on the prompt posted at `prompt_ts`: the first press counts."""
        choice = f"{message_id(channel, prompt_ts)}:choice"
        msg = await self._inbound(team, channel, thread_ts, user, choice, intent=intent)
        outcome = await self.runtime.engine.handle(msg)
        await self.show(msg, thread_ts, outcome)
        return outcome

    async def _inbound(
        self,
        team: str,
        channel: str,
        thread_ts: str,
        user: str,
        msg_id: str,
        *,
        text: str = "",
        mentions_bot: bool = False,
        timestamp: float = 0.0,
        intent: Intent | None = None,
    ) -> Inbound:
        """What a member did in a thread, for the engine, under the name the workspace shows."""
        person = await self.people.get(team, user)
        return Inbound(
            platform=PLATFORM,
            space_id=team,
            thread_id=thread_id(channel, thread_ts),
            channel_id=channel,
            author_id=user,
            author_name=person.name,
            message_id=msg_id,
            text=text,
            mentions_bot=mentions_bot,
            timestamp=timestamp,
            intent=intent,
        )

    async def show(self, msg: Inbound, thread_ts: str, outcome: Outcome) -> None:
        """Post the outcome's inline actions in the thread, in order (durable ones go via the relay)."""
        team, channel = msg.space_id, msg.channel_id
        for action in outcome.inline:
            if is_durable(action):
                # Only when Redis is down does the engine hand a durable action (a crisis alert) back
                # inline; post it directly, since it is in no outbox.
                await self._perform_now(msg, action)
                continue
            for message in _render(action, msg.thread_id):
                await self.poster.post_quietly(team, channel, message, thread_ts)

    async def after_reopen(self, team: str, thread: str, user: str) -> bool:
        """If `user` has just reopened `thread` (the audit says so): say so there, lift the 🔒."""
        try:
            records = await self.runtime.store.audit(PLATFORM, team, thread, limit=1)
        except StoreUnavailable:
            return False
        if not records:
            return False
        last = records[0]
        if last.action != "reopen" or last.user != user or time.time() - last.time > REOPEN_WINDOW_SECONDS:
            return False
        channel, thread_ts = split_thread(thread)
        cfg = await self.space(team)
        await self.poster.post_quietly(
            team, channel, views.Message(neutralise(cfg.texts.reopened)), thread_ts
        )
        await self.poster.react(team, channel, thread_ts, self.sink.closed_reaction, add=False)
        await self.mark(team, channel, thread_ts)
        return True

    async def _perform_now(self, msg: Inbound, action: Action) -> None:
        try:
            await self.sink.perform(Routed(msg.key, msg.channel_id, msg.message_id, action))
        except Exception:
            log.exception("slack_direct_delivery_failed", extra={"conversation": msg.key.tag})

    async def _first_time(self, name: str) -> bool:
        try:
            return await self.runtime.store.remember(SEEN_SCOPE, name, "1", 3600, only_if_new=True)
        except StoreUnavailable:
            return True


def _render(action: Action, thread: str) -> list[views.Message]:
    if isinstance(action, Reply):
        return views.reply(action)
    if isinstance(action, Warn):
        return views.warning(action)
    if isinstance(action, Notice):
        return views.notice(action)
    if isinstance(action, AskConfirmEnd):
        return [views.confirm_end(action, thread)]
    return []


def _seconds(ts: str) -> float:
    try:
        return float(ts)
    except ValueError:
        return 0.0
