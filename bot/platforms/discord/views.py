"""Buttons. Every one is persistent (no timeout, a stable `custom_id`), so it still works after a
restart; each callback only translates the press into a call on the bot's services."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.platforms.discord.client import ThreadkeeperBot

    Interaction = discord.Interaction[ThreadkeeperBot]

CONFIRM_END = "threadkeeper:confirm-end"
KEEP_TALKING = "threadkeeper:keep-talking"
FEEDBACK_FAIR = "threadkeeper:feedback:fair"
FEEDBACK_UNFAIR = "threadkeeper:feedback:unfair"
ALERT_TEMPLATE = r"threadkeeper:alert:(?P<verb>ack|claim):(?P<thread>[0-9]{1,21}):(?P<case>[ed][0-9]{1,21})"


class ConfirmEndView(discord.ui.View):
    """Under the bot's question "end this conversation for good?"."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Confirm: end it", style=discord.ButtonStyle.danger, custom_id=CONFIRM_END)
    async def confirm(self, interaction: Interaction, button: discord.ui.Button[ConfirmEndView]) -> None:
        await interaction.client.conversations.press(interaction, "confirm_end")

    @discord.ui.button(label="Keep talking", style=discord.ButtonStyle.secondary, custom_id=KEEP_TALKING)
    async def keep(self, interaction: Interaction, button: discord.ui.Button[ConfirmEndView]) -> None:
        await interaction.client.conversations.press(interaction, "keep_talking")


class FeedbackView(discord.ui.View):
    """Under a closing message: was this ending fair?"""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Fair", style=discord.ButtonStyle.secondary, custom_id=FEEDBACK_FAIR)
    async def fair(self, interaction: Interaction, button: discord.ui.Button[FeedbackView]) -> None:
        await interaction.client.conversations.feedback(interaction, fair=True)

    @discord.ui.button(label="Not fair", style=discord.ButtonStyle.secondary, custom_id=FEEDBACK_UNFAIR)
    async def unfair(self, interaction: Interaction, button: discord.ui.Button[FeedbackView]) -> None:
        await interaction.client.conversations.feedback(interaction, fair=False)


class AlertButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ALERT_TEMPLATE):
    """Acknowledge / Claim on a moderator alert; the alert's thread and case live in the custom_id.

    `case` is `e<episode>` for a crisis escalation, `d<member id>` for a disputed ending.
    """

    def __init__(self, verb: str, thread_id: int, case: str) -> None:
        label, style = ("Acknowledge", discord.ButtonStyle.primary)
        if verb == "claim":
            label, style = ("Claim", discord.ButtonStyle.success)
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"threadkeeper:alert:{verb}:{thread_id}:{case}"
            )
        )
        self.verb = verb
        self.thread_id = thread_id
        self.case = case

    # discord.py types these generically over any client; only ours ever dispatches them here.
    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AlertButton:
        return cls(match["verb"], int(match["thread"]), match["case"])

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        await interaction.client.desk.handle(interaction, self.verb, self.thread_id, self.case)


def alert_view(thread_id: int, case: str, link: str) -> discord.ui.View:
    """Acknowledge, Claim, and a link straight to the thread."""
    view = discord.ui.View(timeout=None)
    view.add_item(AlertButton("ack", thread_id, case))
    view.add_item(AlertButton("claim", thread_id, case))
    view.add_item(discord.ui.Button(label="Open thread", style=discord.ButtonStyle.link, url=link))
    return view
