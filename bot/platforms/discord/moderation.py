"""Moderators acting on alerts: Acknowledge and Claim, recorded as numbered cases in the audit."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.core.alerts import AlertDesk, AlertVerb
from bot.core.errors import StoreUnavailable
from bot.platforms.discord import render, translate
from bot.platforms.discord.translate import PLATFORM

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

    Interaction = discord.Interaction[ThreadkeeperBot]

log = logging.getLogger("threadkeeper.discord.moderation")

_VERBS: dict[str, AlertVerb] = {"ack": "acknowledge", "claim": "claim"}


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
        verb_name = _VERBS[verb]
        what = f"escalation (episode {case[1:]})" if case.startswith("e") else "disputed ending"
        desk = AlertDesk(self.bot.runtime.store)
        try:
            case_number = await desk.handle(
                translate.caller(interaction, cfg), cfg, str(thread_id), verb_name, what
            )
        except StoreUnavailable:
            await interaction.response.send_message(
                self.bot.runtime.app.space.texts.store_unavailable, ephemeral=True
            )
            return
        if case_number is None:
            await interaction.response.send_message(cfg.texts.alert_not_allowed, ephemeral=True)
            return
        log.info(
            "alert_handled",
            extra={
                "platform": PLATFORM,
                "space": guild_id,
                "thread_id": thread_id,
                "action": verb_name,
                "case": case_number,
            },
        )
        message = interaction.message
        if message is not None and message.embeds:
            embed = render.with_handler(message.embeds[0], verb, user.id, user.display_name)
            await interaction.response.edit_message(embed=embed)
        else:
            await interaction.response.send_message(f"Recorded as case #{case_number}.", ephemeral=True)
