"""The App Home tab: how to talk to the bot, and for admins what is set up and what needs fixing."""

from __future__ import annotations

from typing import Any

from bot.core.config import SpaceConfig
from bot.platforms.slack.blocks.thread import Block, context, section
from bot.platforms.slack.text import neutralise

HOW_TO = (
    "*Talk to me:* mention me in a channel I'm in, and I'll answer in that message's thread; "
    "after that, just reply in the thread. In channels an admin made AI channels, every new message "
    "starts a conversation.\n\n"
    "*If things turn abusive* I redirect, then post an explicit warning naming the behaviour, and "
    "only after that may I end the thread for good. *If someone may be at risk* I stay, share help "
    "resources and alert the human moderators.\n\n"
    "*Branch from here:* open the ⋯ menu on any message of a conversation with me to start a new "
    "one from that point."
)


def home_view(cfg: SpaceConfig | None, problems: list[str]) -> dict[str, Any]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Threadkeeper"}},
        section(HOW_TO),
    ]
    if cfg is not None:
        channel = f"<#{cfg.moderator_channel}>" if cfg.moderator_channel else "_not set_"
        group = f"`{neutralise(cfg.moderator_role)}`" if cfg.moderator_role else "_not set_"
        ai = ", ".join(f"<#{c}>" for c in cfg.ai_channels) or "_none_"
        ending = "enabled" if cfg.ending_enabled else "disabled"
        blocks += [
            {"type": "divider"},
            section(
                "*For admins*\n"
                f"Moderator channel: {channel}\nModerator group: {group}\nAI channels: {ai}\n"
                f"Ending conversations: {ending}"
            ),
            context("Change these with `/threadkeeper` (try `/threadkeeper help`)."),
        ]
        if problems:
            blocks.append(section(":warning: *Needs fixing*\n" + "\n".join(f"• {p}" for p in problems)))
    return {"type": "home", "blocks": blocks}
