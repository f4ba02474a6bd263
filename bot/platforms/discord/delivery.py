"""Durable actions on Discord: closing a thread, alerting moderators, disputed endings.

The outbox relay hands each one here at least once; each step remembers (in the store) what it
already did, so a redelivery never posts a second closing message or pings the role twice.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.core.actions import Dispute, End, Escalate, UpdateEscalation
from bot.core.config import SpaceConfig
from bot.core.domain import Actor, ThreadKey
from bot.core.errors import DeliveryDeferred, StoreUnavailable
from bot.core.ports import Routed, Store
from bot.platforms.discord import permissions, render
from bot.platforms.discord.render import snowflake
from bot.platforms.discord.translate import PLATFORM
from bot.platforms.discord.views import FeedbackView, alert_view

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

log = logging.getLogger("threadkeeper.discord.delivery")

CLOSED = "discord:closing-posted"  # (space:thread:message) -> closing message id
ALERTS = "discord:alert"  # (space:thread:episode) -> "channel:message:signals"
DISPUTES = "discord:dispute"  # (space:thread:member) -> "channel:message"
NO_MODERATOR_CHANNEL = (
    "\n-# No moderator channel is set, so this alert went to the system channel. "
    "An admin can choose one with `/threadkeeper modchannel`."
)


class DiscordSink:
    """The outbox relay's `ActionSink` for Discord; performs through the client it is bound to."""

    def __init__(self) -> None:
        self._bot: ThreadkeeperBot | None = None

    def bind(self, bot: ThreadkeeperBot) -> None:
        self._bot = bot

    async def perform(self, routed: Routed) -> None:
        bot = self._bot
        if bot is None:
            raise DeliveryDeferred("the Discord client is not running yet")
        if routed.key.platform != PLATFORM:
            raise DeliveryDeferred(f"a {routed.key.platform} action is not for the Discord adapter")
        action = routed.action
        if isinstance(action, End):
            await _Closing(bot, routed.key).close(routed, action)
        elif isinstance(action, Escalate):
            await _Alerts(bot, routed.key).escalate(routed, action)
        elif isinstance(action, UpdateEscalation):
            await _Alerts(bot, routed.key).update(routed, action)
        elif isinstance(action, Dispute):
            await _Alerts(bot, routed.key).dispute(action)
        else:
            log.warning("not_a_durable_action", extra={"action": type(action).__name__})


class _Step:
    def __init__(self, bot: ThreadkeeperBot, key: ThreadKey) -> None:
        self.bot = bot
        self.key = key
        self.guild_id = int(key.space)
        self.thread_id = int(key.thread)
        self.ttl = bot.config.alert_memory_days * 86_400

    @property
    def store(self) -> Store:
        return self.bot.runtime.store

    async def recall(self, scope: str, name: str) -> str | None:
        """What an earlier delivery did; None also when the store is down (inline crisis path)."""
        try:
            return await self.store.recall(scope, name)
        except StoreUnavailable:
            return None

    async def remember(self, scope: str, name: str, value: str) -> None:
        with contextlib.suppress(StoreUnavailable):
            await self.store.remember(scope, name, value, self.ttl)


class _Closing(_Step):
    async def close(self, routed: Routed, action: End) -> None:
        """The closing message first, then archive and lock together in one call."""
        marker = f"{self.key.space}:{self.key.thread}:{routed.message_id}"
        parent = snowflake(routed.channel_id) or self.thread_id
        if await self.recall(CLOSED, marker) is None:
            channel = self.bot.get_partial_messageable(
                self.thread_id, guild_id=self.guild_id, type=discord.ChannelType.public_thread
            )
            pieces = render.split_message(action.text) or [action.reason]
            view = FeedbackView() if action.actor is not Actor.USER else None
            try:
                for piece in pieces[:-1]:
                    await channel.send(piece)
                if view is None:
                    sent = await channel.send(pieces[-1])
                else:
                    sent = await channel.send(pieces[-1], view=view)
                    view.stop()  # the persistent registration answers: keep no copy per message
            except discord.NotFound:
                log.warning("ended_thread_gone", extra={"platform": PLATFORM, "thread_id": self.key.thread})
                return
            except discord.Forbidden:
                await self.bot.reporter.missing(
                    self.guild_id, parent, permissions.ANSWER_IN_THREAD, "post closing messages in threads"
                )
            else:
                await self.remember(CLOSED, marker, str(sent.id))
        await self._lock(parent)

    async def _lock(self, parent: int) -> None:
        try:
            thread = await self._thread()
            if thread is None or (thread.archived and thread.locked):
                return
            if thread.archived:
                # Discord refuses to lock an archived thread: reopen it and close both ways at once.
                await thread.edit(archived=False)
            await thread.edit(archived=True, locked=True)
        except discord.Forbidden:
            await self.bot.reporter.missing(
                self.guild_id, parent, permissions.CLOSE_THREAD, "lock and archive ended conversations"
            )
        except discord.NotFound:
            log.warning("ended_thread_gone", extra={"platform": PLATFORM, "thread_id": self.key.thread})
        log.info(
            "thread_closed",
            extra={"platform": PLATFORM, "space": self.key.space, "thread_id": self.key.thread},
        )

    async def _thread(self) -> discord.Thread | None:
        # Archived threads leave the cache: ask Discord when it is not there.
        cached = self.bot.get_channel(self.thread_id)
        if isinstance(cached, discord.Thread):
            return cached
        fetched = await self.bot.fetch_channel(self.thread_id)
        return fetched if isinstance(fetched, discord.Thread) else None


class _Alerts(_Step):
    async def escalate(self, routed: Routed, action: Escalate) -> None:
        """The alert, pinging the moderator role: once per episode, whatever is redelivered."""
        name = f"{self.key.space}:{self.key.thread}:{action.episode}"
        if await self.recall(ALERTS, name) is not None:
            return
        cfg = await self._config()
        role = snowflake(cfg.moderator_role)
        sent = await self._to_moderators(
            cfg,
            render.escalation_content(action, role),
            render.escalation_embed(self.key, routed.message_id, action),
            alert_view(self.thread_id, f"e{action.episode}", self._link(routed.message_id)),
            discord.AllowedMentions(roles=[discord.Object(role)]) if role is not None else None,
        )
        if sent is not None:
            await self.remember(ALERTS, name, f"{sent.channel.id}:{sent.id}:1")
            log.info(
                "escalation_posted",
                extra={"platform": PLATFORM, "space": self.key.space, "thread_id": self.key.thread},
            )

    async def update(self, routed: Routed, action: UpdateEscalation) -> None:
        """A later signal of the same episode edits the alert: no new message, no new ping."""
        name = f"{self.key.space}:{self.key.thread}:{action.episode}"
        known = await self.recall(ALERTS, name)
        message: discord.Message | None = None
        signals = 1
        if known is not None:
            channel_id, message_id, count = [*known.split(":"), "1", "1"][:3]
            signals = int(count) + 1 if count.isdigit() else 2
            with contextlib.suppress(discord.NotFound, discord.Forbidden, ValueError):
                channel = self.bot.get_partial_messageable(int(channel_id), guild_id=self.guild_id)
                message = await channel.fetch_message(int(message_id))
        if message is None:
            # The first alert is not on record (it was never configured, or was deleted): post one.
            cfg = await self._config()
            embed = render.escalation_embed(self.key, routed.message_id, action)
            render.updated_escalation(embed, self.key, routed.message_id, action, signals)
            content = f"**Escalation update:** {action.category.value.replace('_', ' ')}."
            view = alert_view(self.thread_id, f"e{action.episode}", self._link(routed.message_id))
            sent = await self._to_moderators(cfg, content, embed, view, None)
            if sent is not None:
                await self.remember(ALERTS, name, f"{sent.channel.id}:{sent.id}:{signals}")
            return
        base = (
            message.embeds[0]
            if message.embeds
            else render.escalation_embed(self.key, routed.message_id, action)
        )
        embed = render.updated_escalation(base, self.key, routed.message_id, action, signals)
        await message.edit(embed=embed)
        await self.remember(ALERTS, name, f"{message.channel.id}:{message.id}:{signals}")

    async def dispute(self, action: Dispute) -> None:
        """A member's "not fair" on an ending, for the moderators to review."""
        name = f"{self.key.space}:{self.key.thread}:{action.user_id}"
        if await self.recall(DISPUTES, name) is not None:
            return
        cfg = await self._config()
        sent = await self._to_moderators(
            cfg,
            "**Disputed ending:** a member says this ending was not fair. Please review it.",
            render.dispute_embed(self.key, action),
            alert_view(self.thread_id, f"d{action.user_id}", self._link(None)),
            None,
        )
        if sent is not None:
            await self.remember(DISPUTES, name, f"{sent.channel.id}:{sent.id}")

    def _link(self, message_id: str | None) -> str:
        return render.jump_url(self.guild_id, self.thread_id, message_id or None)

    async def _config(self) -> SpaceConfig:
        try:
            return await self.bot.configs.get(self.guild_id, fresh=True)
        except StoreUnavailable:
            # A crisis alert still goes out while Redis is down: to where it went last time.
            return self.bot.configs.last_known(self.guild_id) or self.bot.runtime.app.space

    async def _to_moderators(
        self,
        cfg: SpaceConfig,
        content: str,
        embed: discord.Embed,
        view: discord.ui.View,
        mentions: discord.AllowedMentions | None,
    ) -> discord.Message | None:
        """Post in the moderator channel, else the system channel; raise to be retried later."""
        configured = snowflake(cfg.moderator_channel)
        guild = self.bot.get_guild(self.guild_id)
        system = guild.system_channel.id if guild is not None and guild.system_channel is not None else None
        targets = [t for t in dict.fromkeys((configured, system)) if t is not None]
        if not targets:
            log.error(
                "no_moderator_channel",
                extra={"platform": PLATFORM, "space": self.key.space, "thread_id": self.key.thread},
            )
            return None
        for target in targets:
            text = content if target == configured else content + NO_MODERATOR_CHANNEL
            channel = self.bot.get_partial_messageable(target, guild_id=self.guild_id)
            try:
                if mentions is not None:
                    return await channel.send(text, embed=embed, view=view, allowed_mentions=mentions)
                return await channel.send(text, embed=embed, view=view)
            except discord.Forbidden:
                await self.bot.reporter.missing(
                    self.guild_id, target, permissions.POST_ALERT, "post moderator alerts there"
                )
            except discord.NotFound:
                log.warning("moderator_channel_gone", extra={"platform": PLATFORM, "channel": target})
        raise DeliveryDeferred(f"no moderator channel of server {self.guild_id} accepted the alert")
