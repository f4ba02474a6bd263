"""A moderator alert as it stands: what it says, where it was posted, who acknowledged or claimed it.

Kept in the store (adapter bookkeeping, one entry per thread and crisis episode) so a later signal
in the same episode, or a moderator's button, can update the same Slack message without pinging
the moderator group again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from bot.core.actions import Escalate, UpdateEscalation
from bot.core.domain import Severity, ThreadKey
from bot.core.errors import StoreUnavailable
from bot.core.ports import Store

SCOPE = "slack-alert"
KEEP_SECONDS = 30 * 86400
PENDING = "pending"


@dataclass(frozen=True, slots=True)
class AlertState:
    team: str
    thread: str
    episode: int
    category: str
    severity: str
    urgent: bool
    excerpt: str
    user_id: str
    user_name: str
    permalink: str = ""
    group: str = ""  # the user group mentioned when the alert was first posted
    channel: str = ""
    ts: str = ""
    signals: int = 1
    acknowledged_by: str = ""
    claimed_by: str = ""

    @classmethod
    def first(cls, team: str, key: ThreadKey, action: Escalate, permalink: str, group: str) -> AlertState:
        return cls(
            team=team,
            thread=key.thread,
            episode=action.episode,
            category=action.category.value,
            severity=action.severity.name.lower(),
            urgent=action.urgent,
            excerpt=action.excerpt,
            user_id=action.user_id,
            user_name=action.user_name,
            permalink=permalink,
            group=group,
        )

    def with_signal(self, action: UpdateEscalation) -> AlertState:
        """A later signal of the same episode: the newest words, the worst severity so far."""
        worst = max(Severity[self.severity.upper()], action.severity)
        return replace(
            self,
            category=action.category.value,
            severity=worst.name.lower(),
            excerpt=action.excerpt,
            signals=self.signals + 1,
        )

    def evolve(self, **changes: str) -> AlertState:
        return replace(self, **changes)  # type: ignore[arg-type]

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | None) -> AlertState | None:
        if not raw or raw == PENDING:
            return None
        try:
            return cls(**json.loads(raw))
        except (ValueError, TypeError):
            return None


def alert_name(key: ThreadKey, episode: int) -> str:
    return f"{key.tag}:{episode}"


async def load(store: Store, key: ThreadKey, episode: int) -> AlertState | None:
    try:
        return AlertState.loads(await store.recall(SCOPE, alert_name(key, episode)))
    except StoreUnavailable:
        return None


async def save(store: Store, key: ThreadKey, state: AlertState) -> None:
    await store.remember(SCOPE, alert_name(key, state.episode), state.dumps(), KEEP_SECONDS)
