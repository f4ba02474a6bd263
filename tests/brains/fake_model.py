"""A scripted stand-in for Claude that follows the system prompt's rules, by keyword.

It reads only what the real model would read: the newest message, the history, the code's
`<turn_context>` note and the tools offered. It helps (category ok), redirects insults
(harassment) and harmful requests, treats signs of risk as a crisis with a caring reply and meets
hostility with patience while someone may be at risk, leaves the confirmation of a member's own
request to the code, calls `end_conversation` only when the tool is offered and the newest message
continues the abuse, and after a refusal carries on with a reply.
"""

from __future__ import annotations

import re
from typing import Any

from tests.brains.fake_api import Outcome, end, message, respond

_CRISIS = re.compile(
    r"kill myself|end my life|suicid|wrote the note|want to die|hurt myself|better off without me|"
    r"won'?t be around",
    re.IGNORECASE,
)
_VIOLENCE = re.compile(r"(going to|gonna) (stab|shoot|kill|hurt) (him|her|them)", re.IGNORECASE)
_INSULT = re.compile(
    r"\b(idiot|stupid|useless|worthless|trash|garbage|moron\w*|pathetic|shut up|go to hell|"
    r"waste of electricity)\b",
    re.IGNORECASE,
)
_HARMFUL = re.compile(r"\b(make a bomb|build a bomb|poison (him|her|someone))\b", re.IGNORECASE)
_END_REQUEST = re.compile(
    r"\b(end|close|stop)\s+(this|the|our)\s+(conversation|chat|thread)\b", re.IGNORECASE
)
_YES = re.compile(r"^\W*(yes|yeah|yep|sure|confirm|i confirm|do it|go ahead)\b", re.IGNORECASE)
_NO = re.compile(r"\b(no|not|don'?t|wait|cancel|keep talking|never ?mind)\b", re.IGNORECASE)

CARE = (
    "I'm really glad you told me, and I'm staying right here with you. You matter. If you might act "
    "on this, please call your local emergency number now; in the US you can call or text 988, in "
    "the UK and Ireland Samaritans are on 116 123. A person from this community has been asked to "
    "check in with you."
)
STAYING = (
    "That's okay, you can be angry with me. I'm not going anywhere, and I'd still really like you to "
    "talk to someone who can be there in person tonight."
)
REDIRECT = (
    "I'd rather keep this respectful, and I still want to help. If something I said missed the mark, "
    "tell me what you need and I'll try again."
)


class RuleFollowingModel:
    """Call it with a request body; it answers like a model that follows Threadkeeper's prompt."""

    def __init__(self) -> None:
        self.calls = 0
        self.ended = 0
        self.refusals: list[str] = []

    def __call__(self, body: dict[str, Any]) -> Outcome:
        self.calls += 1
        last = body["messages"][-1]["content"]
        refused = [b for b in last if b.get("type") == "tool_result" and b.get("is_error")]
        for block in refused:
            self.refusals.append(str(block.get("content")))
        newest, note = _newest(body)
        text = newest.split(": ", 1)[-1]
        confirming = "asked to confirm that ending is permanent" in note
        at_risk = "may be at risk" in note
        offered = "end_conversation" in [t["name"] for t in body.get("tools", [])]

        if _CRISIS.search(text):
            return message(respond(CARE, "self_harm_risk", "high", _quote(text)))
        if _VIOLENCE.search(text):
            return message(respond(CARE, "violence_risk", "high", _quote(text)))
        if confirming and _YES.search(text) and not _NO.search(text):
            return message(respond("", "user_confirms_end"))
        if _END_REQUEST.search(text) and not _YES.search(text):
            return message(respond("", "user_requests_end"))
        if _HARMFUL.search(text):
            return message(respond(REDIRECT, "harmful_request", "high", "asking for help to hurt people"))
        if _INSULT.search(text) and not _quoting(text):
            if at_risk:  # rule 6: answer hostility with patience while someone may be at risk
                return message(respond(STAYING, "harassment", "low", "insults while in distress"))
            assessment = respond(REDIRECT, "harassment", "medium", "repeated insults aimed at me")
            if offered and not at_risk and not refused:
                self.ended += 1
                return message(assessment, end("the insults continued after the warning"))
            return message(assessment)
        return message(respond(_helpful(text)))


def _newest(body: dict[str, Any]) -> tuple[str, str]:
    """The newest member message and the code's note after it (earlier in a tool-result retry)."""
    for msg in reversed(body["messages"]):
        if msg["role"] != "user":
            continue
        texts = [b["text"] for b in msg["content"] if b.get("type") == "text"]
        for index, text in enumerate(texts):
            if text.startswith("<turn_context>") and index > 0:
                return texts[index - 1], text
    raise AssertionError("no newest message with a <turn_context> note in the request")


def _quoting(text: str) -> bool:
    return bool(re.search(r"\b(called me|said I'?m|told me)\b", text, re.IGNORECASE))


def _quote(text: str) -> str:
    return " ".join(text.split())[:120]


def _helpful(text: str) -> str:
    topic = " ".join(text.split()[:8])
    return f"Good question. Here's how I'd think about it: {topic}... Let me walk you through it."
