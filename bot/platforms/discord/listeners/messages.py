"""Member messages: a mention (or an AI channel) opens a conversation; our threads continue one."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.core.errors import StoreUnavailable
from bot.platforms.discord import translate

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

log = logging.getLogger("threadkeeper.discord.messages")

_MEMBER_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)


def register(bot: ThreadkeeperBot) -> None:
    @bot.event
    async def on_message(message: discord.Message) -> None:
        me = bot.user
        if me is None or message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in _MEMBER_MESSAGES:
            return
        channel = message.channel
        if isinstance(channel, discord.PartialMessageable):
            # Not in the cache (an archived thread someone just wrote in): ask Discord what it is.
            try:
                fetched = await bot.fetch_channel(channel.id)
            except discord.HTTPException:
                return
            if not isinstance(fetched, discord.Thread | discord.TextChannel):
                return
            channel = fetched
        if isinstance(channel, discord.Thread):
            # Ours are the threads the bot created; whether one has ended is the engine's record.
            if channel.owner_id == me.id:
                await bot.conversations.handle(channel, message)
            return
        if not isinstance(channel, discord.TextChannel):
            return
        if translate.addresses_bot(message, me):
            await bot.conversations.open(channel, message)
            return
        try:
            ai_channel = await bot.configs.is_ai_channel(message.guild.id, channel.id)
        except StoreUnavailable as exc:
            log.error("store_unavailable", extra={"platform": "discord", "error": str(exc)})
            return
        if ai_channel:
            await bot.conversations.open(channel, message)
