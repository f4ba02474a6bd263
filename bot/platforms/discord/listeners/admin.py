"""`/threadkeeper`: admin and moderator commands, answered only to the caller.

Discord hides the group from members without Manage Server (admins can grant it to moderators
under Server Settings → Integrations); the rights are checked again by the core on every call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from pydantic import ValidationError

from bot.core.admin import (
    AdminCommand,
    AiChannel,
    ConfigReset,
    ConfigSet,
    ConfigShow,
    Reopen,
    SetEnding,
    SetModChannel,
    SetModRole,
    ShowAudit,
    ShowStats,
)
from bot.core.config import OVERRIDABLE_KEYS
from bot.core.errors import StoreUnavailable
from bot.platforms.discord import render, translate

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

    Interaction = discord.Interaction[ThreadkeeperBot]

log = logging.getLogger("threadkeeper.discord.admin")

NOT_A_THREAD = "I couldn't find a thread in that: paste the thread's link (or its ID)."


def register(bot: ThreadkeeperBot) -> None:
    bot.tree.add_command(command_group())


async def _run(interaction: Interaction, make: Callable[[], AdminCommand]) -> None:
    """Defer (the answer may take a moment), run the command in the core, answer ephemerally."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    bot = interaction.client
    guild_id = interaction.guild_id
    if guild_id is None:
        await interaction.followup.send("This command only works in a server.", ephemeral=True)
        return
    try:
        command = make()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
        await interaction.followup.send(f"Not changed: {problems}", ephemeral=True)
        return
    try:
        cfg = await bot.configs.get(guild_id, fresh=True)
        reply = await bot.admin.run(translate.caller(interaction, cfg), command)
    except StoreUnavailable as exc:
        log.error(
            "store_unavailable", extra={"platform": "discord", "command": command.name, "error": str(exc)}
        )
        reply = bot.runtime.app.space.texts.store_unavailable
    finally:
        bot.configs.forget(guild_id)
    for piece in render.split_message(reply) or ["Done."]:
        await interaction.followup.send(piece, ephemeral=True)


async def _run_on_thread(interaction: Interaction, raw: str, make: Callable[[str], AdminCommand]) -> None:
    """A command about one thread, given as a link, a `#thread` mention or an ID."""
    thread = render.thread_id_from(raw)
    if thread is None:
        await interaction.response.send_message(NOT_A_THREAD, ephemeral=True)
        return
    found: str = thread
    await _run(interaction, lambda: make(found))


def command_group() -> app_commands.Group:
    root = app_commands.Group(
        name="threadkeeper",
        description="Threadkeeper settings, stats and audit",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=discord.Permissions(manage_guild=True),
    )
    config = app_commands.Group(name="config", description="This server's Threadkeeper settings", parent=root)
    ending = app_commands.Group(
        name="ending", description="Whether the bot may end conversations", parent=root
    )
    aichannel = app_commands.Group(
        name="aichannel", description="Channels where every message starts a conversation", parent=root
    )

    @config.command(name="show", description="Show every setting (* = changed for this server)")
    async def config_show(interaction: Interaction) -> None:
        await _run(interaction, ConfigShow)

    @config.command(name="set", description="Change one setting for this server")
    @app_commands.describe(
        key="the setting, e.g. redirects_before_warning or texts.warning", value="its new value"
    )
    async def config_set(interaction: Interaction, key: str, value: str) -> None:
        await _run(interaction, lambda: ConfigSet(key=key, value=value))

    @config_set.autocomplete("key")
    async def setting_names(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        wanted = current.lower()
        return [app_commands.Choice(name=k, value=k) for k in OVERRIDABLE_KEYS if wanted in k.lower()][:25]

    @config.command(name="reset", description="Put every setting back to its default")
    async def config_reset(interaction: Interaction) -> None:
        await _run(interaction, ConfigReset)

    @ending.command(name="enable", description="Allow the bot to end abusive conversations (after a warning)")
    async def ending_enable(interaction: Interaction) -> None:
        await _run(interaction, lambda: SetEnding(enabled=True))

    @ending.command(name="disable", description="Never end a conversation in this server")
    async def ending_disable(interaction: Interaction) -> None:
        await _run(interaction, lambda: SetEnding(enabled=False))

    @root.command(name="modchannel", description="Where moderator alerts go")
    @app_commands.describe(channel="a channel only moderators can read")
    async def modchannel(interaction: Interaction, channel: discord.TextChannel) -> None:
        await _run(interaction, lambda: SetModChannel(channel=str(channel.id)))

    @root.command(name="modrole", description="The role pinged once per crisis episode")
    @app_commands.describe(role="your moderators' role (it must be mentionable, or allow me to mention it)")
    async def modrole(interaction: Interaction, role: discord.Role) -> None:
        await _run(interaction, lambda: SetModRole(role=str(role.id)))

    @aichannel.command(name="add", description="Every message in this channel starts a conversation")
    async def aichannel_add(interaction: Interaction, channel: discord.TextChannel) -> None:
        await _run(interaction, lambda: AiChannel(add=True, channel=str(channel.id)))

    @aichannel.command(name="remove", description="Stop answering every message in this channel")
    async def aichannel_remove(interaction: Interaction, channel: discord.TextChannel) -> None:
        await _run(interaction, lambda: AiChannel(add=False, channel=str(channel.id)))

    @root.command(name="stats", description="Conversations, warnings, endings, escalations, disputes, tokens")
    async def stats(interaction: Interaction) -> None:
        await _run(interaction, ShowStats)

    @root.command(name="audit", description="The numbered cases: why was this thread closed?")
    @app_commands.describe(thread="a thread's link or ID (leave empty for the whole server)")
    async def audit(interaction: Interaction, thread: str | None = None) -> None:
        if thread is None:
            await _run(interaction, ShowAudit)
        else:
            await _run_on_thread(interaction, thread, lambda t: ShowAudit(thread=t))

    @root.command(name="reopen", description="Reopen an ended thread (moderators)")
    @app_commands.describe(thread="the thread's link or ID")
    async def reopen(interaction: Interaction, thread: str) -> None:
        await _run_on_thread(interaction, thread, lambda t: Reopen(thread=t))

    return root
