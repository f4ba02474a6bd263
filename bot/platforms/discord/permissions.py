"""Missing permissions: tell the server's admins once, with what to fix; never crash on them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.core.errors import StoreUnavailable
from bot.platforms.discord.render import snowflake

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

log = logging.getLogger("threadkeeper.discord.permissions")

SCOPE = "discord:permission-reported"

LABELS = {
    "view_channel": "View Channels",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "create_public_threads": "Create Public Threads",
    "manage_threads": "Manage Threads",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}

# What each thing the bot does needs, in the words of the Discord permission settings.
OPEN_THREAD = ("view_channel", "send_messages", "create_public_threads", "read_message_history")
ANSWER_IN_THREAD = ("view_channel", "send_messages_in_threads")
CLOSE_THREAD = ("manage_threads",)
POST_ALERT = ("view_channel", "send_messages", "embed_links")


class PermissionReporter:
    """Reports a missing permission to the admins once per channel and permission set."""

    def __init__(self, bot: ThreadkeeperBot) -> None:
        self.bot = bot

    async def missing(self, guild_id: int, channel_id: int, needed: Sequence[str], doing: str) -> None:
        """Discord refused `doing` in `channel_id`: log it, and tell the admins if not done recently."""
        lacking = self._lacking(guild_id, channel_id, needed)
        names = ", ".join(LABELS.get(p, p) for p in lacking)
        log.warning(
            "missing_permission",
            extra={"platform": "discord", "space": guild_id, "channel": channel_id, "permissions": names},
        )
        days = self.bot.config.permission_report_days
        name = f"{guild_id}:{channel_id}:{'+'.join(sorted(lacking))}"
        try:
            first = await self.bot.runtime.store.remember(SCOPE, name, "1", days * 86_400, only_if_new=True)
        except StoreUnavailable:
            return  # without our record we cannot tell if this is the first time: stay quiet
        if not first:
            return
        text = (
            f"⚠️ **Threadkeeper is missing permissions** in <#{channel_id}>: **{names}**. "
            f"Without them I can't {doing}.\n"
            "To fix it: Server Settings → Roles → the Threadkeeper role (or that channel's "
            "Permissions → the Threadkeeper role), and allow the permissions above. "
            f"I report this once; I'll remind you in {days} days if it is still missing."
        )
        await self._tell_admins(guild_id, channel_id, text)

    def _lacking(self, guild_id: int, channel_id: int, needed: Sequence[str]) -> list[str]:
        """The permissions of `needed` that the cache says are missing, else all of `needed`."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if guild is None or guild.me is None or channel is None:
            return list(needed)
        granted = channel.permissions_for(guild.me)
        lacking = [p for p in needed if not getattr(granted, p, False)]
        return lacking or list(needed)

    async def _tell_admins(self, guild_id: int, channel_id: int, text: str) -> None:
        """In the moderator channel, else the server's system channel (never where it failed)."""
        guild = self.bot.get_guild(guild_id)
        try:
            cfg = await self.bot.configs.get(guild_id)
        except StoreUnavailable:
            cfg = self.bot.configs.last_known(guild_id) or self.bot.runtime.app.space
        moderators = snowflake(cfg.moderator_channel)
        candidates = [moderators, guild.system_channel.id if guild and guild.system_channel else None]
        for target in dict.fromkeys(c for c in candidates if c is not None and c != channel_id):
            try:
                await self.bot.get_partial_messageable(target, guild_id=guild_id).send(text)
                return
            except discord.HTTPException as exc:
                log.warning(
                    "permission_report_failed",
                    extra={"platform": "discord", "space": guild_id, "channel": target, "status": exc.status},
                )
        log.error(
            "permission_report_undeliverable",
            extra={"platform": "discord", "space": guild_id, "channel": channel_id},
        )
