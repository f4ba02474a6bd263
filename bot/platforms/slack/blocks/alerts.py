"""What moderators see in their channel: crisis alerts and disputed endings, with buttons."""

from __future__ import annotations

import json

from bot.core.actions import Dispute
from bot.platforms.slack.alerts import AlertState
from bot.platforms.slack.blocks.thread import Block, Message, button, context, section
from bot.platforms.slack.text import neutralise, quote

ACKNOWLEDGE = "tk_alert_ack"
CLAIM = "tk_alert_claim"
OPEN_THREAD = "tk_open_thread"
REOPEN = "tk_dispute_reopen"

CATEGORY_LABELS = {
    "self_harm_risk": "Self-harm risk",
    "violence_risk": "Risk of harm to others",
}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())


def alert_value(thread: str, episode: int) -> str:
    return json.dumps({"t": thread, "e": episode}, separators=(",", ":"))


def parse_alert_value(value: str) -> tuple[str, int] | None:
    try:
        data = json.loads(value)
        return str(data["t"]), int(data["e"])
    except (ValueError, KeyError, TypeError):
        return None


def _field(title: str, text: str) -> Block:
    return {"type": "mrkdwn", "text": f"*{title}*\n{text}"[:2000]}


def _open_button(permalink: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Open thread", "emoji": True},
        "action_id": OPEN_THREAD,
        "url": permalink,
    }


def _thread_line(thread: str, permalink: str) -> str:
    where = f"<{permalink}|open the thread>" if permalink else "(link unavailable)"
    return f"{where}\n`{thread}`"


def alert(state: AlertState, *, ping: bool) -> Message:
    """The alert for `state`; `ping` mentions the moderator group (only the first post of an episode)."""
    label = category_label(state.category)
    mention = f"<!subteam^{state.group}> " if ping and state.group else ""
    title = f"{'Urgent crisis alert' if state.urgent else 'Crisis alert'}: {label}"
    text = f"{mention}{title}. A member may need a person to check in."
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": f":rotating_light: {title}"[:150]}},
    ]
    if mention:
        blocks.append(section(f"{mention}a member may need a person to check in."))
    blocks.append(
        {
            "type": "section",
            "fields": [
                _field("Category", label),
                _field("Severity", state.severity),
                _field("Member", f"{neutralise(state.user_name)} (`{state.user_id}`)"),
                _field("Thread", _thread_line(state.thread, state.permalink)),
            ],
        }
    )
    blocks.append(
        section(
            "*What they wrote*" + ("" if state.signals == 1 else " (latest)") + "\n" + quote(state.excerpt)
        )
    )
    if state.signals > 1:
        blocks.append(
            context(
                f"{state.signals} signals in this episode. Moderators were already alerted, so there is "
                "no new ping; this alert shows the latest."
            )
        )
    status = []
    if state.acknowledged_by:
        status.append(f":white_check_mark: Acknowledged by {neutralise(state.acknowledged_by)}")
    if state.claimed_by:
        status.append(f":raising_hand: Claimed by {neutralise(state.claimed_by)}")
    if status:
        blocks.append(context("  ·  ".join(status)))
    value = alert_value(state.thread, state.episode)
    elements = [button("Acknowledge", ACKNOWLEDGE, value, "primary"), button("Claim", CLAIM, value)]
    if state.permalink:
        elements.append(_open_button(state.permalink))
    blocks.append({"type": "actions", "block_id": "tk_alert", "elements": elements})
    return Message(text, blocks)


def dispute(action: Dispute, thread: str, permalink: str) -> Message:
    """A member said an ending was not fair: the reason, who, the end of the transcript, Reopen."""
    text = "Ending disputed: a member says a Threadkeeper ending was not fair."
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": ":scales: Ending disputed"}},
        {
            "type": "section",
            "fields": [
                _field("Member", f"{neutralise(action.user_name)} (`{action.user_id}`)"),
                _field("Reason for the ending", neutralise(action.reason)),
                _field("Thread", _thread_line(thread, permalink)),
            ],
        },
    ]
    if action.excerpt:
        blocks.append(section("*End of the conversation*\n" + quote(action.excerpt)))
    elements = [button("Reopen thread", REOPEN, thread, "primary")]
    if permalink:
        elements.append(_open_button(permalink))
    blocks.append({"type": "actions", "block_id": "tk_dispute", "elements": elements})
    return Message(text, blocks)
