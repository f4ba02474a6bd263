"""Branching: a new thread that starts from an earlier message of another one (ended or not)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.domain import Actor, Author, LogEntry, ThreadKey
from bot.core.engine import TRANSCRIPT_CHARS
from bot.core.ports import AuditRecord, Store


@dataclass(frozen=True, slots=True)
class BranchPoint:
    """The message a member chose, as the platform shows it."""

    text: str
    from_bot: bool
    author: str = ""


class BranchService:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def branch(
        self, source: ThreadKey, target: ThreadKey, point: BranchPoint, member: Author
    ) -> tuple[LogEntry, ...]:
        """Seed `target` with `source`'s transcript up to `point`; the seeded lines.

        The branch starts with a clean slate (no count, no warning): only the words carry over.
        A point no longer in the capped transcript seeds the branch with that message alone.
        """
        history = await self.store.transcript(source)
        cut = _position(history, point)
        seed = history[: cut + 1] if cut is not None else (_entry(point),)
        await self.store.seed_transcript(target, seed)
        record = AuditRecord(
            "branch", source.thread, member.id, Actor.USER, f"branched into {target.thread}", self.clock()
        )
        await self.store.add_audit(source.platform, source.space, record)
        return seed


def _entry(point: BranchPoint) -> LogEntry:
    role = "bot" if point.from_bot else "user"
    return LogEntry(role, point.text[:TRANSCRIPT_CHARS], point.author, "")


def _position(history: tuple[LogEntry, ...], point: BranchPoint) -> int | None:
    """The last transcript line that is the chosen message."""
    wanted = " ".join(point.text[:TRANSCRIPT_CHARS].split())
    role = "bot" if point.from_bot else "user"
    for index in range(len(history) - 1, -1, -1):
        entry = history[index]
        if entry.role != role:
            continue
        flat = " ".join(entry.text.split())
        # A long bot reply may have been posted as several platform messages: any part matches.
        if flat == wanted or (point.from_bot and wanted and wanted in flat):
            return index
    return None
