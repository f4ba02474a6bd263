"""The Discord client: intents, client-wide mention safety, and start-up work in `setup_hook`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.core.actions import Notice
from bot.core.admin import AdminService
from bot.core.config import DiscordConfig
from bot.core.domain import ThreadKey
from bot.core.engine import Outcome
from bot.core.errors import StoreUnavailable
from bot.platforms.discord import render
from bot.platforms.discord.branching import Branches
from bot.platforms.discord.configs import ServerConfigs
from bot.platforms.discord.conversation import Conversations
from bot.platforms.discord.delivery import DiscordSink
from bot.platforms.discord.listeners import admin, branch, messages
from bot.platforms.discord.moderation import ModeratorDesk
from bot.platforms.discord.permissions import PermissionReporter
from bot.platforms.discord.views import AlertButton, ConfirmEndView, FeedbackView
from bot.runtime import Runtime

log = logging.getLogger("threadkeeper.discord")

RELAY_STOP_SECONDS = 10.0
RELAY_RESTART_SECONDS = 5.0


def intents() -> discord.Intents:
    """Only what the bot needs: servers and channels, messages, and their text (privileged)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    return wanted


@dataclass(frozen=True)
class CommandSync:
    """Where to register the slash commands at start-up: everywhere, one server, or not at all."""

    enabled: bool = True
    guild_id: int | None = None


class ThreadkeeperBot(discord.Client):
    """The client and the services its listeners translate events into."""

    def __init__(
        self, runtime: Runtime, sink: DiscordSink, *, sync: CommandSync | None = None, **options: Any
    ) -> None:
        # The bot never joins voice: no warnings about voice libraries at every start.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        # Nothing the bot posts may ping anyone; an escalation opts in to the moderator role only.
        super().__init__(intents=intents(), allowed_mentions=discord.AllowedMentions.none(), **options)
        self.runtime = runtime
        self.config: DiscordConfig = runtime.app.discord
        self.sync = sync or CommandSync()
        self.tree: app_commands.CommandTree[ThreadkeeperBot] = app_commands.CommandTree(self)
        self.tree.error(self._command_failed)
        self.configs = ServerConfigs(runtime.store, runtime.engine, self.config.config_cache_seconds)
        self.admin = AdminService(runtime.store, runtime.engine, on_reopen=self.reopened)
        self.reporter = PermissionReporter(self)
        self.conversations = Conversations(self)
        self.branches = Branches(self)
        self.desk = ModeratorDesk(self)
        self.sink = sink
        sink.bind(self)
        self._stop = asyncio.Event()
        self._relay: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        # Persistent buttons: registered before any interaction can arrive, so the buttons of
        # messages posted before a restart keep working.
        self.add_view(ConfirmEndView())
        self.add_view(FeedbackView())
        self.add_dynamic_items(AlertButton)
        messages.register(self)
        admin.register(self)
        branch.register(self)
        await self._sync_commands()
        self._relay = asyncio.create_task(self._deliver(), name="threadkeeper-outbox-relay")

    async def _command_failed(
        self, interaction: discord.Interaction[ThreadkeeperBot], error: app_commands.AppCommandError
    ) -> None:
        """A command broke: log it, and tell the caller instead of leaving "did not respond"."""
        name = interaction.command.qualified_name if interaction.command else "?"
        log.error("command_failed", exc_info=error, extra={"platform": "discord", "command": name})
        text = "Sorry, that didn't work. Please try again in a moment."
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    async def _sync_commands(self) -> None:
        if not self.sync.enabled:
            return
        if self.sync.guild_id is None:
            synced = await self.tree.sync()
        else:
            guild = discord.Object(self.sync.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        log.info(
            "commands_synced",
            extra={"platform": "discord", "count": len(synced), "guild": self.sync.guild_id},
        )

    async def _deliver(self) -> None:
        """Endings and alerts from the outbox, once the gateway is up (REST needs no more)."""
        await self.wait_until_ready()
        while not self._stop.is_set():
            try:
                await self.runtime.relay.run(self._stop)
            except Exception:
                log.exception("outbox_relay_failed", extra={"platform": "discord"})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), RELAY_RESTART_SECONDS)

    async def on_ready(self) -> None:
        log.info(
            "discord_ready",
            extra={"platform": "discord", "user": str(self.user), "guilds": len(self.guilds)},
        )

    async def on_guild_available(self, guild: discord.Guild) -> None:
        # Know each server's moderator channel before anything happens: if Redis goes down
        # later, a crisis alert still finds its way.
        try:
            await self.configs.get(guild.id)
        except StoreUnavailable as exc:
            log.warning(
                "config_unavailable", extra={"platform": "discord", "space": guild.id, "error": str(exc)}
            )

    async def reopened(self, key: ThreadKey, outcome: Outcome) -> None:
        """A moderator reopened a thread: unlock it on Discord and say so there."""
        thread_id = int(key.thread)
        self.conversations.ended(thread_id, ended=False)
        try:
            channel = self.get_channel(thread_id) or await self.fetch_channel(thread_id)
            if isinstance(channel, discord.Thread) and (channel.archived or channel.locked):
                await channel.edit(archived=False, locked=False)
            if isinstance(channel, discord.Thread):
                for action in outcome.inline:
                    if isinstance(action, Notice):
                        await channel.send(render.notice(action.text))
        except discord.HTTPException as exc:
            log.warning(
                "reopen_on_discord_failed",
                extra={"platform": "discord", "thread_id": key.thread, "status": exc.status},
            )

    async def close(self) -> None:
        """Let the relay finish what it is delivering, then disconnect."""
        self._stop.set()
        self.runtime.relay.kick()
        relay, self._relay = self._relay, None
        if relay is not None:
            if not self.is_ready():
                relay.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(relay), RELAY_STOP_SECONDS)
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
        await super().close()
