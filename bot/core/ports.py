"""The ports the engine depends on. Adapters in `bot/store`, `bot/brains` and `bot/safety` fill them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.actions import Action
from bot.core.config import SpaceConfig
from bot.core.domain import (
    Actor,
    Author,
    LogEntry,
    Screening,
    ThreadKey,
    ThreadState,
    Turn,
)

# --- store ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Begun:
    """What `Store.begin` found for a message: one round trip's worth."""

    duplicate: bool
    state: ThreadState
    overrides: Mapping[str, str]
    log: Sequence[LogEntry]  # decoded lazily: read it only if needed


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A numbered case: what happened to which thread, caused by whom, and why."""

    action: str  # warn, end, escalate, reopen, config_set, config_reset, ending_enabled, feedback...
    thread: str
    user: str
    actor: Actor
    reason: str
    time: float
    case: int = 0  # assigned by the store
    space: str = ""


@dataclass(frozen=True, slots=True)
class Routed:
    """A durable action with where it belongs, as stored in the outbox."""

    key: ThreadKey
    channel_id: str
    message_id: str
    action: Action


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: str
    item: Routed
    deliveries: int = 1


@dataclass(frozen=True, slots=True)
class Commit:
    """Everything one message changes, written atomically if nobody else moved the thread."""

    key: ThreadKey
    message_id: str
    token: str
    expected_version: int
    state: ThreadState
    log: tuple[LogEntry, ...] = ()
    outbox: tuple[Routed, ...] = ()
    audit: tuple[AuditRecord, ...] = ()
    stats: Mapping[str, int] = field(default_factory=dict)


class Store(Protocol):
    async def begin(self, key: ThreadKey, message_id: str, token: str) -> Begun:
        """Reserve `message_id` for `token` and load the thread; `duplicate` if already handled."""

    async def commit(self, commit: Commit) -> bool:
        """Apply `commit`; False when the thread's version moved (the caller retries)."""

    async def release(self, key: ThreadKey, message_id: str, token: str) -> None:
        """Drop the reservation of a message that could not be handled, so a resend works."""

    async def reopen(self, key: ThreadKey, record: AuditRecord) -> ThreadState:
        """Return an ended thread to active (moderator action), audited."""

    async def transcript(self, key: ThreadKey) -> tuple[LogEntry, ...]: ...

    async def seed_transcript(self, key: ThreadKey, entries: Sequence[LogEntry]) -> bool:
        """Give a new (branched) thread its starting transcript; False if it already has one."""

    async def record_feedback(
        self, key: ThreadKey, user_id: str, record: AuditRecord, counter: str, dispute: Routed | None = None
    ) -> bool:
        """Count one member's feedback on an ending once, audited; queue `dispute` if given."""

    async def overrides(self, platform: str, space: str) -> dict[str, str]: ...

    async def set_override(
        self, platform: str, space: str, key: str, value: str, record: AuditRecord
    ) -> None: ...

    async def reset_overrides(self, platform: str, space: str, record: AuditRecord) -> None: ...

    async def add_audit(self, platform: str, space: str, record: AuditRecord) -> int: ...

    async def audit(
        self, platform: str, space: str, thread: str | None = None, limit: int = 20
    ) -> list[AuditRecord]: ...

    async def stats(self, platform: str, space: str) -> dict[str, int]: ...

    async def add_stats(self, platform: str, space: str, counters: Mapping[str, int]) -> None: ...

    async def read_outbox(self, platform: str, consumer: str, count: int = 50) -> list[OutboxEntry]:
        """`platform`'s new entries for `consumer`, plus those a crashed consumer left unacknowledged."""

    async def ack_outbox(self, platform: str, ids: Sequence[str]) -> None: ...

    async def remember(
        self, scope: str, name: str, value: str, ttl_seconds: int, *, only_if_new: bool = False
    ) -> bool:
        """Adapter bookkeeping (an alert's message id, a "reported once" flag); False when
        `only_if_new` and it was already there."""

    async def recall(self, scope: str, name: str) -> str | None: ...

    async def close(self) -> None: ...


# --- brain and safety net ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrainRequest:
    """Everything a brain may look at to answer one message."""

    key: ThreadKey
    text: str
    author: Author
    history: Sequence[LogEntry]
    state: ThreadState
    screening: Screening
    config: SpaceConfig
    end_allowed: bool  # the policy would accept an ending on this turn: offer the tool


class Brain(Protocol):
    name: str

    async def respond(self, request: BrainRequest) -> Turn:
        """A reply and its assessment; raises `ModelUnavailable` when it cannot."""


class SafetyNet(Protocol):
    def screen(self, text: str) -> Screening:
        """Deterministic, local, fast: runs on every message before any brain."""


class ActionSink(Protocol):
    async def perform(self, routed: Routed) -> None:
        """Carry out a durable action on the platform; raise to have it retried later."""
