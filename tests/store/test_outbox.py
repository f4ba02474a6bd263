"""Durable actions are delivered at least once, even when a consumer dies holding them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import redis.asyncio as aioredis

from bot.core.actions import End, Escalate, UpdateEscalation
from bot.core.config import StoreConfig
from bot.core.domain import Actor, Category, LogEntry, Severity, Status, ThreadKey
from bot.core.ports import Commit, Routed
from bot.store import RedisStore
from bot.store.redis_store import OUTBOX_GROUP

if TYPE_CHECKING:
    from tests.conftest import MakeStore

KEY = ThreadKey("slack", "T1", "1700000000.000100")
ESCALATE = Routed(
    KEY, "C1", "m1", Escalate(Category.SELF_HARM_RISK, Severity.HIGH, True, "I can't go on", "U1", "ann", 1)
)
UPDATE = Routed(
    KEY, "C1", "m2", UpdateEscalation(Category.SELF_HARM_RISK, Severity.MEDIUM, "still", "U1", "ann", 1)
)
END = Routed(KEY, "C1", "m3", End("Closing this thread.", "insults after a warning", Actor.MODEL))


async def commit_items(store: RedisStore, message_id: str, *items: Routed) -> None:
    begun = await store.begin(KEY, message_id, "tok")
    ending = any(isinstance(item.action, End) for item in items)
    state = begun.state.evolve(turn=begun.state.turn + 1, status=Status.ENDED if ending else Status.ACTIVE)
    commit = Commit(KEY, message_id, "tok", begun.state.version, state, (LogEntry("user", "x"),), items)
    assert await store.commit(commit)


async def pending_count(store: RedisStore, redis_url: str) -> int:
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        summary = await raw.xpending(store.outbox_key("slack"), OUTBOX_GROUP)
        return int(summary["pending"])
    finally:
        await raw.aclose()


async def test_committed_actions_reach_a_consumer_that_came_later(store: RedisStore) -> None:
    await commit_items(store, "m1", ESCALATE)
    await commit_items(store, "m2", UPDATE, END)
    entries = await store.read_outbox("slack", "relay-a")
    assert [e.item for e in entries] == [ESCALATE, UPDATE, END]
    assert all(e.deliveries == 1 for e in entries)
    assert await store.read_outbox("slack", "relay-a") == []


async def test_unacknowledged_entries_are_reclaimed_after_the_idle_time(
    make_store: MakeStore, redis_url: str
) -> None:
    store = await make_store(StoreConfig(outbox_claim_idle_seconds=1))
    await commit_items(store, "m1", ESCALATE, UPDATE)
    held = await store.read_outbox("slack", "relay-a")  # relay-a dies before acknowledging
    assert [e.item for e in held] == [ESCALATE, UPDATE]
    assert await store.read_outbox("slack", "relay-b") == []  # not idle long enough yet

    await asyncio.sleep(1.2)
    taken = await store.read_outbox("slack", "relay-b")
    assert [(e.id, e.item) for e in taken] == [(e.id, e.item) for e in held]
    assert [e.deliveries for e in taken] == [2, 2]

    await store.ack_outbox("slack", [e.id for e in taken])
    assert await pending_count(store, redis_url) == 0
    assert await store.read_outbox("slack", "relay-a") == []
    await asyncio.sleep(1.2)
    assert await store.read_outbox("slack", "relay-a") == []


async def test_acknowledged_entries_are_deleted(store: RedisStore, redis_url: str) -> None:
    await commit_items(store, "m1", ESCALATE, UPDATE)
    entries = await store.read_outbox("slack", "relay-a")
    await store.ack_outbox("slack", [entries[0].id])
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert await raw.xlen(store.outbox_key("slack")) == 1
    finally:
        await raw.aclose()
    assert await pending_count(store, redis_url) == 1
    await store.ack_outbox("slack", [entries[1].id])
    await store.ack_outbox("slack", [])
    assert await pending_count(store, redis_url) == 0


async def test_count_limits_one_read(store: RedisStore) -> None:
    await commit_items(store, "m1", ESCALATE, UPDATE, END)
    first = await store.read_outbox("slack", "relay-a", count=2)
    second = await store.read_outbox("slack", "relay-a", count=2)
    assert [e.item for e in first + second] == [ESCALATE, UPDATE, END]


async def test_a_lost_consumer_group_is_created_again(store: RedisStore, redis_url: str) -> None:
    await commit_items(store, "m1", ESCALATE)
    await store.read_outbox("slack", "relay-a")
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await raw.delete(store.outbox_key("slack"))  # e.g. a server restarted without persistence
    finally:
        await raw.aclose()
    await commit_items(store, "m2", UPDATE)
    assert [e.item for e in await store.read_outbox("slack", "relay-a")] == [UPDATE]


async def test_each_platform_reads_only_its_own_outbox(store: RedisStore) -> None:
    await commit_items(store, "m1", ESCALATE)
    assert await store.read_outbox("discord", "relay-d") == []
    assert [e.item.key.platform for e in await store.read_outbox("slack", "relay-s")] == ["slack"]
