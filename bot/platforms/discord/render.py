"""What members and moderators read: message splitting, thread names, links and alert embeds.

Pure functions of actions and ids, so they are easy to test and never decide anything.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import discord

from bot.core.actions import Dispute, Escalate, UpdateEscalation
from bot.core.domain import Category, Severity, ThreadKey

MESSAGE_LIMIT = 2000  # characters in one Discord message
THREAD_NAME_LIMIT = 100
FIELD_LIMIT = 1024  # characters in one embed field value

_CATEGORY_TITLES = {
    Category.SELF_HARM_RISK: "Possible self-harm risk",
    Category.VIOLENCE_RISK: "Possible risk of violence to others",
}
_URGENT = discord.Colour.red()
_NOT_URGENT = discord.Colour.orange()
_DISPUTE = discord.Colour.gold()
_SNOWFLAKE = re.compile(r"(\d{15,21})")
_CONFIGURED_ID = re.compile(r"<[#@&!]+(\d+)>|(\d+)")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at line ends where possible.

    A single line longer than `limit` is cut at its last space before the limit, and only cut
    mid-word when it has none.
    """
    if len(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            pieces.append(current)
        current = ""
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit + 1)
            if cut <= 0:
                cut = limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        current = line
    if current.strip():
        pieces.append(current)
    return pieces


WARNING_MARK = "⚠️ "


def warning(text: str) -> str:
    return WARNING_MARK + text


def notice(text: str) -> str:
    return f"*{text}*"


def undecorated(text: str) -> str:
    """A bot message as the transcript has it, without the marks added when posting it."""
    if text.startswith(WARNING_MARK):
        return text[len(WARNING_MARK) :]
    if len(text) > 2 and text.startswith("*") and text.endswith("*") and not text.startswith("**"):
        return text[1:-1]
    return text


def thread_name(text: str, author: str) -> str:
    """A short thread title from the opening message, or the member's name when it has no words."""
    first = " ".join(text.split("\n", 1)[0].split())
    if not first:
        return f"Conversation with {author}"[:THREAD_NAME_LIMIT]
    limit = THREAD_NAME_LIMIT - 1
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def branch_name(source: str) -> str:
    return f"Branch of {source}"[:THREAD_NAME_LIMIT]


def jump_url(guild_id: int | str, channel_id: int | str, message_id: int | str | None = None) -> str:
    """A link that opens a thread (or one message in it) in the Discord client."""
    base = f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"{base}/{message_id}" if message_id else base


def thread_id_from(text: str) -> str | None:
    """The thread id in a pasted link, `<#id>` mention or bare id (the last id in a link)."""
    found = _SNOWFLAKE.findall(text)
    return found[-1] if found else None


def snowflake(value: str) -> int | None:
    """A configured Discord id (`moderator_channel`, `moderator_role`) as an int; None if unset or bad."""
    found = _CONFIGURED_ID.fullmatch(value.strip())
    return int(found.group(1) or found.group(2)) if found else None


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = FIELD_LIMIT) -> str:
    """Member words inside an embed: quoted, clipped, never empty (embeds cannot ping anyone)."""
    lines = [f"> {line}" if line else ">" for line in clip(text, limit - 40).splitlines()] or ["> (no text)"]
    return clip("\n".join(lines), limit)


def severity_label(severity: Severity) -> str:
    return severity.name.lower()


def escalation_content(action: Escalate, role_id: int | None) -> str:
    """The alert's message text: the only text the bot ever sends that may ping (the role)."""
    head = "Urgent escalation" if action.urgent else "Escalation"
    title = _CATEGORY_TITLES.get(action.category, action.category.value)
    ping = f"<@&{role_id}> " if role_id is not None else ""
    return f"{ping}**{head}:** {title.lower()}. Please check in with the member."


def escalation_embed(key: ThreadKey, message_id: str, action: Escalate | UpdateEscalation) -> discord.Embed:
    """The moderator alert: category, a jump link, a short excerpt, the member; episode and count."""
    urgent = isinstance(action, Escalate) and action.urgent
    embed = discord.Embed(
        title=_CATEGORY_TITLES.get(action.category, action.category.value),
        colour=_URGENT if urgent else _NOT_URGENT,
        timestamp=datetime.now(UTC),
    )
    embed.add_field(name="Category", value=f"`{action.category.value}`", inline=True)
    embed.add_field(name="Severity", value=severity_label(action.severity), inline=True)
    embed.add_field(name="Episode", value=str(action.episode), inline=True)
    embed.add_field(name="Member", value=f"<@{action.user_id}> ({clip(action.user_name, 200)})", inline=True)
    embed.add_field(
        name="Thread", value=f"[open the thread]({jump_url(key.space, key.thread, message_id)})", inline=True
    )
    embed.add_field(name="Signals in this episode", value="1", inline=True)
    embed.add_field(name="Excerpt", value=quote(action.excerpt), inline=False)
    embed.set_footer(text=f"thread {key.thread}")
    return embed


def updated_escalation(
    embed: discord.Embed, key: ThreadKey, message_id: str, action: UpdateEscalation, signals: int
) -> discord.Embed:
    """The same alert after a later signal of the episode: count, latest excerpt, higher severity."""
    _set_field(embed, "Signals in this episode", str(signals), inline=True)
    current = _field(embed, "Severity")
    if current is None or _severity_rank(current) < action.severity:
        _set_field(embed, "Severity", severity_label(action.severity), inline=True)
    link = jump_url(key.space, key.thread, message_id)
    _set_field(
        embed, "Latest signal", f"{quote(action.excerpt, FIELD_LIMIT - 60)}\n[jump]({link})", inline=False
    )
    embed.timestamp = datetime.now(UTC)
    return embed


def dispute_embed(key: ThreadKey, action: Dispute) -> discord.Embed:
    """A member says an ending was not fair: the reason, the member, the end of the transcript."""
    embed = discord.Embed(
        title="Disputed ending", colour=_DISPUTE, timestamp=datetime.now(UTC), description=None
    )
    embed.add_field(name="Member", value=f"<@{action.user_id}> ({clip(action.user_name, 200)})", inline=True)
    embed.add_field(name="Thread", value=f"[open the thread]({jump_url(key.space, key.thread)})", inline=True)
    embed.add_field(
        name="Why it ended", value=clip(action.reason or "(no reason recorded)", 300), inline=False
    )
    embed.add_field(name="Last messages", value=quote(action.excerpt or "(no transcript kept)"), inline=False)
    embed.set_footer(text=f"thread {key.thread}")
    return embed


def with_handler(embed: discord.Embed, verb: str, user_id: int, user_name: str) -> discord.Embed:
    """The alert after a moderator acknowledged or claimed it."""
    label = "Acknowledged by" if verb == "ack" else "Claimed by"
    stamp = int(datetime.now(UTC).timestamp())
    _set_field(embed, label, f"<@{user_id}> ({clip(user_name, 200)}) <t:{stamp}:R>", inline=True)
    return embed


def _field(embed: discord.Embed, name: str) -> str | None:
    for field in embed.fields:
        if field.name == name:
            return field.value
    return None


def _set_field(embed: discord.Embed, name: str, value: str, *, inline: bool) -> None:
    for index, field in enumerate(embed.fields):
        if field.name == name:
            embed.set_field_at(index, name=name, value=value, inline=inline)
            return
    embed.add_field(name=name, value=value, inline=inline)


def _severity_rank(label: str) -> Severity:
    try:
        return Severity[label.upper()]
    except KeyError:
        return Severity.NONE
