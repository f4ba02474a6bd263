"""The "Branch from here" menu: a new thread seeded with a conversation up to the chosen message."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.core.branching import BranchPoint, BranchService
from bot.core.errors import StoreUnavailable
from bot.platforms.discord import permissions, render, translate

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

    Interaction = discord.Interaction[ThreadkeeperBot]

log = logging.getLogger("threadkeeper.discord.branching")

ONLY_OUR_THREADS = "“Branch from here” works on messages in my conversation threads."


class Branches:
    def __init__(self, bot: ThreadkeeperBot) -> None:
        self.bot = bot

    async def start(self, interaction: Interaction, message: discord.Message) -> None:
        """Open the branch next to the source thread, seed it, and point the member to it."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        me = self.bot.user
        source = await self._source(interaction, message)
        if me is None or source is None or source.owner_id != me.id:
            await interaction.followup.send(ONLY_OUR_THREADS, ephemeral=True)
            return
        parent = source.parent
        if not isinstance(parent, discord.TextChannel):
            await interaction.followup.send(ONLY_OUR_THREADS, ephemeral=True)
            return
        try:
            cfg = await self.bot.configs.get(source.guild.id)
        except StoreUnavailable:
            await interaction.followup.send(
                self.bot.runtime.app.space.texts.store_unavailable, ephemeral=True
            )
            return
        try:
            branch = await parent.create_thread(
                name=render.branch_name(source.name),
                type=discord.ChannelType.public_thread,
                auto_archive_duration=self.bot.config.auto_archive_minutes,
            )
        except discord.Forbidden:
            await self.bot.reporter.missing(
                source.guild.id, parent.id, permissions.OPEN_THREAD, "open conversation threads there"
            )
            await interaction.followup.send(
                f"I can't open a thread in {parent.mention}: I'm missing a permission there. "
                "I've let the server's admins know.",
                ephemeral=True,
            )
            return
        from_bot = message.author.id == me.id
        text = render.undecorated(message.content) if from_bot else translate.message_text(message, me.id)
        point = BranchPoint(
            text=text, from_bot=from_bot, author="" if from_bot else message.author.display_name
        )
        member = translate.author_of(interaction.user)
        try:
            await BranchService(self.bot.runtime.store).branch(
                translate.thread_key(source.guild.id, source.id),
                translate.thread_key(source.guild.id, branch.id),
                point,
                member,
            )
        except StoreUnavailable:
            await interaction.followup.send(
                self.bot.runtime.app.space.texts.store_unavailable, ephemeral=True
            )
            return
        origin = render.jump_url(source.guild.id, source.id, message.id)
        await branch.send(f"{cfg.texts.branched}\n-# Branched by {interaction.user.mention} from {origin}")
        with contextlib.suppress(discord.HTTPException):
            await branch.add_user(interaction.user)
        log.info(
            "branched",
            extra={
                "platform": "discord",
                "space": source.guild.id,
                "thread_id": source.id,
                "branch": branch.id,
            },
        )
        await interaction.followup.send(f"Your new conversation: {branch.mention}", ephemeral=True)

    async def _source(self, interaction: Interaction, message: discord.Message) -> discord.Thread | None:
        """The thread the message belongs to. A thread's opening message lives in the parent
        channel (the thread has its id); archived (ended) threads are not in the cache."""
        channel = message.channel
        if isinstance(channel, discord.Thread):
            return channel
        if isinstance(interaction.channel, discord.Thread) and interaction.channel.id == channel.id:
            return interaction.channel
        for candidate in (channel.id, message.id):
            try:
                fetched = await self.bot.fetch_channel(candidate)
            except discord.HTTPException:
                continue
            if isinstance(fetched, discord.Thread):
                return fetched
        return None
