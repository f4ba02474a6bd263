"""Discord objects into the core's types: messages into `Inbound`, interactions into `Caller`."""

from __future__ import annotations

import re
from typing import Literal

import discord

from bot.core.admin import Caller
from bot.core.config import SpaceConfig
from bot.core.domain import Author, Inbound, ThreadKey
from bot.platforms.discord.render import snowflake

PLATFORM = "discord"

Intent = Literal["confirm_end", "keep_talking"]

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_CHANNEL_MENTION = re.compile(r"<#(\d+)>")


def thread_key(guild_id: int, thread_id: int) -> ThreadKey:
    return ThreadKey(PLATFORM, str(guild_id), str(thread_id))


def author_of(user: discord.abc.User) -> Author:
    return Author(str(user.id), user.display_name)


def addresses_bot(message: discord.Message, me: discord.ClientUser) -> bool:
    """Whether the member called the bot by name (its user or its own role), not via @everyone."""
    if any(user.id == me.id for user in message.mentions):
        return True
    guild = message.guild
    own_role = guild.self_role if guild is not None else None
    return own_role is not None and own_role in message.role_mentions


def message_text(message: discord.Message, me_id: int) -> str:
    """The words a member wrote, as the model and the transcript should read them.

    The bot's own mention is dropped; other mentions become readable names. `@everyone` stays
    as typed: nothing the bot posts can ping anyway (allowed mentions are off client-wide).
    """
    guild = message.guild
    own_role = guild.self_role.id if guild is not None and guild.self_role is not None else None
    users = {user.id: user.display_name for user in message.mentions}
    roles = {role.id: role.name for role in message.role_mentions}

    def user(match: re.Match[str]) -> str:
        uid = int(match.group(1))
        return "" if uid == me_id else f"@{users.get(uid, 'someone')}"

    def role(match: re.Match[str]) -> str:
        rid = int(match.group(1))
        return "" if rid == own_role else f"@{roles.get(rid, 'role')}"

    def channel(match: re.Match[str]) -> str:
        found = guild.get_channel_or_thread(int(match.group(1))) if guild is not None else None
        return f"#{found.name}" if found is not None else "#channel"

    text = _USER_MENTION.sub(user, message.content)
    text = _ROLE_MENTION.sub(role, text)
    text = _CHANNEL_MENTION.sub(channel, text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def inbound(message: discord.Message, thread: discord.Thread, me: discord.ClientUser) -> Inbound:
    """A member's message in (or opening) one of our threads, for the engine."""
    return Inbound(
        platform=PLATFORM,
        space_id=str(thread.guild.id),
        thread_id=str(thread.id),
        channel_id=str(thread.parent_id),
        author_id=str(message.author.id),
        author_name=message.author.display_name[:256],
        message_id=str(message.id),  # the engine de-duplicates on it: redelivered events are ignored
        text=message_text(message, me.id),
        mentions_bot=addresses_bot(message, me),
        timestamp=message.created_at.timestamp(),
    )


def pressed(
    interaction: discord.Interaction[discord.Client], thread: discord.Thread, intent: Intent
) -> Inbound:
    """A Confirm / Keep talking button press, as an explicit intent (one per interaction)."""
    user = interaction.user
    return Inbound(
        platform=PLATFORM,
        space_id=str(thread.guild.id),
        thread_id=str(thread.id),
        channel_id=str(thread.parent_id),
        author_id=str(user.id),
        author_name=user.display_name[:256],
        message_id=f"press-{interaction.id}",
        timestamp=interaction.created_at.timestamp(),
        intent=intent,
    )


def is_moderator(user: discord.abc.User, cfg: SpaceConfig) -> bool:
    """Whether `user` has the server's configured moderator role."""
    role = snowflake(cfg.moderator_role)
    return role is not None and isinstance(user, discord.Member) and user.get_role(role) is not None


def is_admin(interaction: discord.Interaction[discord.Client]) -> bool:
    """Manage Server, read from the permissions Discord resolved for this interaction."""
    perms = interaction.permissions
    return perms.manage_guild or perms.administrator


def caller(interaction: discord.Interaction[discord.Client], cfg: SpaceConfig) -> Caller:
    """Who runs a command, with the facts the core decides on."""
    user = interaction.user
    return Caller(
        platform=PLATFORM,
        space=str(interaction.guild_id),
        user_id=str(user.id),
        user_name=user.display_name,
        is_admin=is_admin(interaction),
        is_moderator=is_moderator(user, cfg),
    )
