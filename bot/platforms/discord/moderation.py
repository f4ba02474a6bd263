"""Moderators acting on alerts: Acknowledge and Claim, recorded as numbered cases in the audit."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import discord

from bot.core.domain import Actor
from bot.core.errors import StoreUnavailable
from bot.core.ports import AuditRecord
from bot.platforms.discord import render, translate
from bot.platforms.discord.translate import PLATFORM

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

    Interaction = discord.Interaction[ThreadkeeperBot]

log = logging.getLogger("threadkeeper.discord.moderation")

_VERBS = {"ack": ("acknowledge", "acknowledged"), "claim": ("claim", "claimed")}


class ModeratorDesk:
    def __init__(self, bot: ThreadkeeperBot) -> None:
        self.bot = bot

    async def handle(self, interaction: Interaction, verb: str, thread_id: int, case: str) -> None:
        """Record who acknowledged or claimed the alert, and show it on the alert for everyone."""
        guild_id = interaction.guild_id
        if guild_id is None:
            return
        user = interaction.user
        try:
            cfg = await self.bot.configs.get(guild_id)
        except StoreUnavailable:
            await interaction.response.send_message(
                self.bot.runtime.app.space.texts.store_unavailable, ephemeral=True
            )
            return
        # The moderator channel is normally private; with a moderator role set, it is the one that counts.
        allowed = (
            render.snowflake(cfg.moderator_role) is None
            or translate.is_moderator(user, cfg)
            or translate.is_admin(interaction)
        )
        if not allowed:
            await interaction.response.send_message(
                "Only moderators can acknowledge or claim alerts.", ephemeral=True
            )
            return
        action, done = _VERBS[verb]
        what = f"escalation (episode {case[1:]})" if case.startswith("e") else "disputed ending"
        record = AuditRecord(
            action=action,
            thread=str(thread_id),
            user=str(user.id),
            actor=Actor.MODERATOR,
            reason=f"{what} {done} by {user.display_name}",
            time=time.time(),
        )
        try:
            case_number = await self.bot.runtime.store.add_audit(PLATFORM, str(guild_id), record)
        except StoreUnavailable:
            await interaction.response.send_message(
                self.bot.runtime.app.space.texts.store_unavailable, ephemeral=True
            )
            return
        log.info(
            "alert_handled",
            extra={
                "platform": PLATFORM,
                "space": guild_id,
                "thread_id": thread_id,
                "action": action,
                "case": case_number,
            },
        )
        message = interaction.message
        if message is not None and message.embeds:
            embed = render.with_handler(message.embeds[0], verb, user.id, user.display_name)
            await interaction.response.edit_message(embed=embed)
        else:
            await interaction.response.send_message(f"Recorded as case #{case_number}.", ephemeral=True)
