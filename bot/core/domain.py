"""Domain types shared by every layer: what came in, what was seen, what a thread remembers.

Hot-path types are frozen, slotted dataclasses (cheap to build and copy); the platform boundary
(`Inbound`) is a pydantic model because that is where untrusted data enters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Category(enum.StrEnum):
    """What a single message is, as judged by the brain and the safety net."""

    OK = "ok"
    HARMFUL_REQUEST = "harmful_request"
    HARASSMENT = "harassment"
    HATE = "hate"
    SEXUAL_MINORS = "sexual_minors"
    VIOLENT_EXTREMISM = "violent_extremism"
    SELF_HARM_RISK = "self_harm_risk"
    VIOLENCE_RISK = "violence_risk"
    USER_REQUESTS_END = "user_requests_end"
    USER_CONFIRMS_END = "user_confirms_end"

    @property
    def is_crisis(self) -> bool:
        return self in CRISIS_CATEGORIES

    @property
    def is_abusive(self) -> bool:
        return self in ABUSIVE_CATEGORIES


CRISIS_CATEGORIES = frozenset({Category.SELF_HARM_RISK, Category.VIOLENCE_RISK})
ABUSIVE_CATEGORIES = frozenset(
    {
        Category.HARMFUL_REQUEST,
        Category.HARASSMENT,
        Category.HATE,
        Category.SEXUAL_MINORS,
        Category.VIOLENT_EXTREMISM,
    }
)


class Severity(enum.IntEnum):
    """How bad a message is; for crises, how urgently a human should look."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


class Status(enum.StrEnum):
    ACTIVE = "active"
    CONFIRMING_END = "confirming_end"
    ENDED = "ended"


class Actor(enum.StrEnum):
    """Who caused an audited action."""

    MODEL = "model"
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class ThreadKey:
    """Identifies one conversation thread across platforms."""

    platform: str
    space: str
    thread: str

    @property
    def tag(self) -> str:
        """The Redis Cluster hash tag body shared by every key of this thread."""
        return f"{self.platform}:{self.space}:{self.thread}"


class Inbound(BaseModel):
    """A member's message as an adapter hands it to the engine."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=False)

    platform: str = Field(min_length=1, max_length=32)
    space_id: str = Field(min_length=1, max_length=128)
    thread_id: str = Field(min_length=1, max_length=128)
    channel_id: str = Field(default="", max_length=128)
    author_id: str = Field(min_length=1, max_length=128)
    author_name: str = Field(default="member", max_length=256)
    message_id: str = Field(min_length=1, max_length=256)
    text: str = ""
    mentions_bot: bool = False
    timestamp: float = 0.0
    # A button press instead of typed text: confirm a requested ending, or carry on.
    intent: Literal["confirm_end", "keep_talking"] | None = None

    @property
    def key(self) -> ThreadKey:
        return ThreadKey(self.platform, self.space_id, self.thread_id)


@dataclass(frozen=True, slots=True)
class Author:
    """The member a decision addresses (a warning names the member who did it)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """The judgement of one message: what it is, how bad, and whether the model proposes to end."""

    category: Category = Category.OK
    severity: Severity = Severity.NONE
    behaviour: str = ""
    wants_end: bool = False

    @property
    def is_crisis(self) -> bool:
        return self.category.is_crisis

    @property
    def is_abusive(self) -> bool:
        return self.category.is_abusive


OK = Assessment()


@dataclass(frozen=True, slots=True)
class Usage:
    """Model token usage of one turn, added to the space's stats."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Turn:
    """What a brain returns for one message: the reply it would give and its assessment."""

    reply: str
    assessment: Assessment = OK
    usage: Usage = field(default_factory=Usage)
    degraded: bool = False  # produced by a fallback because the real brain was unavailable


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    """The safety net's finding that someone may be at risk."""

    category: Category  # SELF_HARM_RISK or VIOLENCE_RISK
    severity: Severity
    evidence: str  # the phrase that triggered it, for moderators


@dataclass(frozen=True, slots=True)
class Screening:
    """The local safety net's view of one message, computed before any brain runs."""

    crisis: CrisisSignal | None = None
    abuse: Category = Category.OK
    abuse_score: float = 0.0
    behaviour: str = ""


@dataclass(frozen=True, slots=True)
class ThreadState:
    """Everything the policy remembers about a thread. Small: it is read and written per message."""

    status: Status = Status.ACTIVE
    turn: int = 0
    redirects: int = 0
    clean_streak: int = 0
    warned_at: int | None = None
    warned_behaviour: str = ""
    crisis_until: float | None = None
    episode: int = 0
    ended_reason: str = ""
    version: int = 0

    def in_crisis(self, now: float) -> bool:
        return self.crisis_until is not None and now < self.crisis_until

    def evolve(self, **changes: Any) -> ThreadState:
        """A copy with `changes`; cheaper than `dataclasses.replace` on this per-message path."""
        return ThreadState(*[changes[n] if n in changes else getattr(self, n) for n in _STATE_FIELDS])


_STATE_FIELDS = tuple(f.name for f in fields(ThreadState))


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the capped transcript kept for the model and for branching."""

    role: str  # "user" | "bot"
    text: str
    author: str = ""
    kind: str = ""  # action kind for bot lines: reply, redirect, warn, care, confirm, end
