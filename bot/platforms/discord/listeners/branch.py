"""The message context-menu command "Branch from here" (works in ended threads too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

BRANCH_FROM_HERE = "Branch from here"


def register(bot: ThreadkeeperBot) -> None:
    async def branch_from_here(
        interaction: discord.Interaction[ThreadkeeperBot], message: discord.Message
    ) -> None:
        await interaction.client.branches.start(interaction, message)

    bot.tree.add_command(
        app_commands.ContextMenu(
            name=BRANCH_FROM_HERE,
            callback=branch_from_here,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
        )
    )
