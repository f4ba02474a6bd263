"""What members see in a conversation thread: replies, the warning, the confirm prompt, the ending.

Every text that comes from a member or the model goes through `neutralise`; the builders return
the message's `text` (notifications, screen readers) and its Block Kit `blocks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.actions import AskConfirmEnd, End, Notice, Reply, Warn
from bot.core.domain import Actor
from bot.platforms.slack.text import MAX_CHARS, neutralise, split

Block = dict[str, Any]

CONFIRM_END = "tk_confirm_end"
KEEP_TALKING = "tk_keep_talking"
FEEDBACK_FAIR = "tk_feedback_fair"
FEEDBACK_UNFAIR = "tk_feedback_unfair"

START_ANEW = (
    "To talk again, mention me in a channel outside this thread. To continue from an earlier point, "
    "open the ⋯ menu of a message in this thread and choose *Branch from here*."
)


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_CHARS]}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_CHARS]}]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return element


def plain_messages(text: str) -> list[Message]:
    """Relayed text (a model reply, a notice) as one or more plain messages under Slack's limit."""
    return [Message(piece) for piece in split(neutralise(text))]


def reply(action: Reply) -> list[Message]:
    return plain_messages(action.text)


def notice(action: Notice) -> list[Message]:
    return [Message(f"_{piece}_") for piece in split(neutralise(action.text), MAX_CHARS - 2)]


def warning(action: Warn) -> list[Message]:
    pieces = split(neutralise(action.text), MAX_CHARS - 12)
    return [Message(f":warning: {pieces[0]}"), *(Message(p) for p in pieces[1:])]


def confirm_end(action: AskConfirmEnd, thread: str) -> Message:
    text = neutralise(action.text)
    ask = {
        "title": {"type": "plain_text", "text": "End this conversation?"},
        "text": {"type": "mrkdwn", "text": "Ending is permanent: I won't reply in this thread again."},
        "confirm": {"type": "plain_text", "text": "End it"},
        "deny": {"type": "plain_text", "text": "Cancel"},
    }
    end_button = button("Yes, end it", CONFIRM_END, thread, "danger")
    end_button["confirm"] = ask
    return Message(
        text,
        [
            section(text),
            {
                "type": "actions",
                "block_id": "tk_confirm",
                "elements": [end_button, button("Keep talking", KEEP_TALKING, thread, "primary")],
            },
        ],
    )


def settled(blocks: list[Block], status: str) -> list[Block]:
    """A posted message once its question is answered: its buttons replaced by `status`."""
    kept = [b for b in blocks if b.get("type") != "actions"]
    return [*kept, context(status)]


def closing(action: End, thread: str) -> Message:
    """The closing message: the reason (in the text), how to start anew, feedback on the ending."""
    text = neutralise(action.text)
    blocks = [section(piece) for piece in split(text)]
    blocks.append(context(START_ANEW))
    if action.actor is not Actor.USER:
        blocks.append(
            {
                "type": "actions",
                "block_id": "tk_feedback",
                "elements": [
                    button("Fair", FEEDBACK_FAIR, thread),
                    button("Not fair", FEEDBACK_UNFAIR, thread, "danger"),
                ],
            }
        )
    return Message(f":no_entry: {text}"[:MAX_CHARS], blocks)


def branch_root(intro: str, who: str, source_link: str | None) -> Message:
    """The first message of a branched conversation (its thread is the new conversation)."""
    text = neutralise(intro)
    origin = f"<{source_link}|an earlier message>" if source_link else "an earlier message"
    return Message(
        text,
        [section(f":seedling: {text}"), context(f"Branched by {neutralise(who)} from {origin}.")],
    )
