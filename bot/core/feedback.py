"""Feedback on an ending: "fair" is counted; "not fair" also goes to moderators as a dispute."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.core.actions import Dispute
from bot.core.config import Texts
from bot.core.domain import Actor, Author, ThreadKey
from bot.core.ports import AuditRecord, Routed, Store

EXCERPT_LINES = 6
EXCERPT_LINE_CHARS = 200
HISTORY = 50  # audit records of the thread searched for its ending


class FeedbackService:
    def __init__(self, store: Store, texts: Texts, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.texts = texts
        self.clock = clock

    async def give(self, key: ThreadKey, member: Author, fair: bool, channel_id: str = "") -> str:
        """Record `member`'s verdict on the thread's ending once; the reply to show them."""
        ending = await self._last_ending(key)
        if ending is None:
            return self.texts.feedback_not_ended
        dispute = None
        if not fair:
            excerpt = await self._excerpt(key)
            action = Dispute(ending.reason, member.id, member.name, excerpt)
            dispute = Routed(key, channel_id, "", action)
        verdict = "fair" if fair else "not fair"
        record = AuditRecord("feedback", key.thread, member.id, Actor.USER, verdict, self.clock())
        counter = "fair_endings" if fair else "disputed_endings"
        if not await self.store.record_feedback(key, member.id, record, counter, dispute):
            return self.texts.feedback_already
        return self.texts.feedback_fair if fair else self.texts.feedback_disputed

    async def _last_ending(self, key: ThreadKey) -> AuditRecord | None:
        """The ending the thread is in now, if any (a reopening puts it out of reach)."""
        for record in await self.store.audit(key.platform, key.space, key.thread, limit=HISTORY):
            if record.action in ("end", "reopen"):
                return record if record.action == "end" else None
        return None

    async def _excerpt(self, key: ThreadKey) -> str:
        lines = []
        for entry in (await self.store.transcript(key))[-EXCERPT_LINES:]:
            who = entry.author or ("bot" if entry.role == "bot" else "member")
            text = " ".join(entry.text.split())
            if len(text) > EXCERPT_LINE_CHARS:
                text = text[: EXCERPT_LINE_CHARS - 1] + "…"
            lines.append(f"{who}: {text}")
        return "\n".join(lines)
