"""Actions are data: the policy and the engine say what should happen, adapters make it happen."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.core.domain import Actor, Category, Severity


class ReplyKind(enum.StrEnum):
    ANSWER = "answer"  # an ordinary helpful reply
    REDIRECT = "redirect"  # a reply steering away from a harmful or abusive turn
    CARE = "care"  # a reply to someone who may be at risk
    INFO = "info"  # a factual reply about the conversation itself (e.g. ending is disabled)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    kind: ReplyKind = ReplyKind.ANSWER


@dataclass(frozen=True, slots=True)
class Warn:
    """The explicit warning that must precede any model-initiated ending."""

    text: str
    behaviour: str
    user_id: str
    user_name: str


@dataclass(frozen=True, slots=True)
class AskConfirmEnd:
    """Asks the member to confirm that ending is permanent."""

    text: str


@dataclass(frozen=True, slots=True)
class End:
    """Post the closing message, then lock/archive the thread; it is ignored from then on."""

    text: str
    reason: str
    actor: Actor


@dataclass(frozen=True, slots=True)
class Escalate:
    """Alert human moderators; exactly one per crisis episode."""

    category: Category
    severity: Severity
    urgent: bool
    excerpt: str
    user_id: str
    user_name: str
    episode: int


@dataclass(frozen=True, slots=True)
class UpdateEscalation:
    """A later signal in an episode already escalated: update the alert, never ping again."""

    category: Category
    severity: Severity
    excerpt: str
    user_id: str
    user_name: str
    episode: int


@dataclass(frozen=True, slots=True)
class Dispute:
    """A member says an ending was not fair: moderators get the reason and the transcript's end."""

    reason: str
    user_id: str
    user_name: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A system notice to the member about the bot itself (an outage, a truncated message...)."""

    text: str
    kind: str


Action = Reply | Warn | AskConfirmEnd | End | Escalate | UpdateEscalation | Dispute | Notice

# Actions whose loss would hurt someone or leave a thread open that we consider closed: they are
# committed to the outbox with the state and delivered at least once by the relay.
DURABLE_ACTIONS: tuple[type, ...] = (End, Escalate, UpdateEscalation, Dispute)


def is_durable(action: Action) -> bool:
    return isinstance(action, DURABLE_ACTIONS)


def posts_in_thread(action: Action) -> bool:
    """Whether members of the thread see this action as a message from the bot."""
    return isinstance(action, Reply | Warn | AskConfirmEnd | End | Notice)
