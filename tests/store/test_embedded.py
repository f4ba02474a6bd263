"""The console's in-process Redis runs the same scripts with the same results."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.core.actions import End, Escalate
from bot.core.config import StoreConfig
from bot.core.domain import Actor, Category, LogEntry, Severity, Status, ThreadKey, ThreadState
from bot.core.ports import AuditRecord, Begun, Commit, Routed
from bot.store import RedisStore, committed_state, embedded_store

KEY = ThreadKey("console", "local", "t1")
RECORD = AuditRecord("escalate", "t1", "me", Actor.MODEL, "crisis", 1.0)
ESCALATE = Routed(KEY, "", "m1", Escalate(Category.SELF_HARM_RISK, Severity.HIGH, True, "…", "me", "me", 1))


@pytest.fixture
async def embedded() -> AsyncIterator[RedisStore]:
    store = embedded_store(StoreConfig(outbox_claim_idle_seconds=1))
    yield store
    await store.close()


def next_turn(begun: Begun, message_id: str, token: str, **changes: object) -> Commit:
    return Commit(
        KEY,
        message_id,
        token,
        begun.state.version,
        begun.state.evolve(**{"turn": begun.state.turn + 1, **changes}),
        (LogEntry("user", message_id, "me"), LogEntry("bot", "ok", "", "reply")),
        (ESCALATE,) if message_id == "m1" else (),
        (RECORD,) if message_id == "m1" else (),
        {"messages": 1},
    )


async def test_a_conversation_on_the_embedded_store(embedded: RedisStore) -> None:
    assert embedded.where.startswith("embedded")
    begun = await embedded.begin(KEY, "m1", "tok")
    assert begun == Begun(False, ThreadState(), {}, ())
    assert (await embedded.begin(KEY, "m1", "other")).duplicate

    first = next_turn(begun, "m1", "tok", crisis_until=99.5, episode=1)
    # The same commit sent twice (a resend after a dropped connection) is applied once.
    results = await asyncio.gather(embedded.commit(first), embedded.commit(first))
    assert results == [True, True]
    assert (await embedded.stats(KEY.platform, KEY.space))["messages"] == 1
    assert (await embedded.begin(KEY, "m1", "tok")).duplicate

    second = await embedded.begin(KEY, "m2", "tok")
    assert second.state == committed_state(first)
    assert second.log == first.log
    await embedded.release(KEY, "m2", "tok")
    second = await embedded.begin(KEY, "m2", "tok-2")
    assert not second.duplicate
    assert await embedded.commit(next_turn(second, "m2", "tok-2", status=Status.ENDED, ended_reason="asked"))

    ended = await embedded.begin(KEY, "m3", "tok")
    assert ended.state.status is Status.ENDED
    assert ended.state.ended_reason == "asked"
    reopened = await embedded.reopen(KEY, AuditRecord("reopen", "t1", "me", Actor.MODERATOR, "", 2.0))
    assert reopened == ThreadState(turn=2, crisis_until=99.5, episode=1, version=3)
    assert (await embedded.begin(KEY, "m3", "tok")).state == reopened

    assert [r.action for r in await embedded.audit("console", "local", thread="t1")] == ["reopen", "escalate"]
    assert await embedded.stats("console", "local") == {"messages": 2}
    assert len(await embedded.transcript(KEY)) == 4


async def test_outbox_and_overrides_on_the_embedded_store(embedded: RedisStore) -> None:
    begun = await embedded.begin(KEY, "m1", "tok")
    assert await embedded.commit(next_turn(begun, "m1", "tok"))
    end = Routed(KEY, "", "m1", End("bye", "r", Actor.USER))
    begun = await embedded.begin(KEY, "m2", "tok")
    commit = next_turn(begun, "m2", "tok")
    assert await embedded.commit(replace(commit, outbox=(end,)))

    held = await embedded.read_outbox("console", "a")
    assert [e.item for e in held] == [ESCALATE, end]
    await asyncio.sleep(1.2)
    taken = await embedded.read_outbox("console", "b")
    assert [(e.item, e.deliveries) for e in taken] == [(ESCALATE, 2), (end, 2)]
    await embedded.ack_outbox("console", [e.id for e in taken])
    await asyncio.sleep(1.2)
    assert await embedded.read_outbox("console", "a") == []

    record = AuditRecord("config_set", "", "admin", Actor.ADMIN, "", 3.0)
    await embedded.set_override("console", "local", "ending_enabled", "false", record)
    assert (await embedded.begin(KEY, "m9", "tok")).overrides == {"ending_enabled": "false"}
    await embedded.reset_overrides("console", "local", record)
    assert await embedded.overrides("console", "local") == {}
    assert await embedded.add_audit("console", "local", record) == 4
