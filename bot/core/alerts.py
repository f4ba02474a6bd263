"""Moderators handling alerts (escalations, disputed endings): who may, and the numbered case."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from bot.core.admin import Caller
from bot.core.config import SpaceConfig
from bot.core.domain import Actor
from bot.core.ports import AuditRecord, Store

AlertVerb = Literal["acknowledge", "claim"]
DONE: dict[AlertVerb, str] = {"acknowledge": "acknowledged", "claim": "claimed"}


def may_handle_alerts(caller: Caller, cfg: SpaceConfig) -> bool:
    """Moderators and admins; with no moderator role configured, whoever sees the moderator channel."""
    return caller.is_admin or caller.is_moderator or not cfg.moderator_role


class AlertDesk:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def handle(
        self, caller: Caller, cfg: SpaceConfig, thread: str, verb: AlertVerb, what: str
    ) -> int | None:
        """Record who acknowledged or claimed `what`; the audit case number, or None if not allowed."""
        if not may_handle_alerts(caller, cfg):
            return None
        who = caller.user_name or caller.user_id
        record = AuditRecord(
            verb, thread, caller.user_id, Actor.MODERATOR, f"{what} {DONE[verb]} by {who}", self.clock()
        )
        return await self.store.add_audit(caller.platform, caller.space, record)
