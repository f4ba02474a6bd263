"""How the console shows each action: plainly labelled, so warnings and endings stand out."""

from __future__ import annotations

import textwrap

from bot.core.actions import (
    Action,
    AskConfirmEnd,
    Dispute,
    End,
    Escalate,
    Notice,
    Reply,
    ReplyKind,
    UpdateEscalation,
    Warn,
)
from bot.core.domain import ThreadKey

_COLOURS = {"warn": "33", "end": "31", "alert": "35", "confirm": "36", "notice": "2", "care": "32"}


class Painter:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, kind: str, text: str) -> str:
        code = _COLOURS.get(kind)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text


def _wrap(text: str, indent: str) -> str:
    return "\n".join(
        textwrap.fill(p, width=96, initial_indent=indent, subsequent_indent=indent) if p else ""
        for p in text.splitlines()
    )


def render_action(action: Action, paint: Painter) -> str:
    """What a member in the thread sees (moderator alerts are rendered by `render_alert`)."""
    if isinstance(action, Reply):
        label = "bot (caring reply)" if action.kind is ReplyKind.CARE else "bot"
        return paint("care" if action.kind is ReplyKind.CARE else "", f"{label}> ") + action.text
    if isinstance(action, Warn):
        return (
            paint("warn", f"[WARNING to {action.user_name} - behaviour: {action.behaviour}]\nbot> ")
            + action.text
        )
    if isinstance(action, AskConfirmEnd):
        return paint("confirm", "[CONFIRMATION NEEDED]\nbot> ") + action.text
    if isinstance(action, End):
        by = {"model": "the bot", "user": "the member's request"}.get(action.actor.value, action.actor.value)
        return (
            paint("end", f"[CONVERSATION ENDED by {by} - reason: {action.reason}]\nbot> ")
            + action.text
            + "\n"
            + paint("end", "[thread locked and archived; further messages are ignored]")
        )
    if isinstance(action, Notice):
        return paint("notice", f"[notice] {action.text}")
    return ""


def render_dispute(action: Dispute, key: ThreadKey, paint: Painter) -> str:
    """A disputed ending as the moderator channel shows it."""
    lines = [
        "== MODERATOR CHANNEL: disputed ending ==",
        f"  member:   {action.user_name} ({action.user_id}) says the ending was not fair",
        f"  thread:   {key.thread} in {key.space}",
        f"  reason given when ending: {action.reason}",
        "  last messages:",
        *(f"    {line}" for line in action.excerpt.splitlines()),
        "  [Reopen thread] [Keep closed]",
    ]
    return paint("alert", "\n".join(lines))


def render_alert(action: Escalate | UpdateEscalation, key: ThreadKey, paint: Painter) -> str:
    """An escalation as the moderator channel shows it."""
    if isinstance(action, Escalate):
        head = "URGENT " if action.urgent else ""
        title = f"== MODERATOR CHANNEL: {head}ESCALATION (episode {action.episode}) =="
        ping = "@moderators pinged once for this episode"
        buttons = "[Acknowledge] [Claim] [Open thread]"
    else:
        title = f"== MODERATOR CHANNEL: alert updated (episode {action.episode}, no new ping) =="
        ping = "later signal in the same episode"
        buttons = ""
    lines = [
        title,
        f"  category: {action.category.value}   severity: {action.severity.name.lower()}",
        f"  member:   {action.user_name} ({action.user_id})",
        f"  thread:   {key.thread} in {key.space}",
        _wrap(f"excerpt:  {action.excerpt}", "  "),
        f"  {ping}",
    ]
    if buttons:
        lines.append(f"  {buttons}")
    return paint("alert", "\n".join(lines))
