"""One message at a time: reserve, load, compare-and-set, de-duplicate, end and reopen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
import redis.asyncio as aioredis

from bot.core.config import StoreConfig
from bot.core.domain import Actor, LogEntry, Status, ThreadKey, ThreadState
from bot.core.ports import AuditRecord, Begun, Commit
from bot.store import RedisStore, committed_state

if TYPE_CHECKING:
    from tests.conftest import MakeStore

KEY = ThreadKey("discord", "g1", "t1")
DAY = 86_400


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


def next_turn(begun: Begun, message_id: str, token: str, key: ThreadKey = KEY, **changes: object) -> Commit:
    """What the engine would commit for an ordinary message on top of what `begin` returned."""
    state = begun.state.evolve(**{"turn": begun.state.turn + 1, **changes})
    return Commit(
        key=key,
        message_id=message_id,
        token=token,
        expected_version=begun.state.version,
        state=state,
        log=(
            LogEntry("user", f"text of {message_id}", "ann"),
            LogEntry("bot", f"reply to {message_id}", "", "reply"),
        ),
        stats={"messages": 1},
    )


async def handle(store: RedisStore, message_id: str, token: str = "tok", **changes: object) -> Commit:
    begun = await store.begin(KEY, message_id, token)
    assert not begun.duplicate
    commit = next_turn(begun, message_id, token, **changes)
    assert await store.commit(commit)
    return commit


async def test_a_new_thread_begins_empty_and_reserves_the_message(
    store: RedisStore, raw: aioredis.Redis
) -> None:
    begun = await store.begin(KEY, "m1", "tok-a")
    assert begun == Begun(duplicate=False, state=ThreadState(), overrides={}, log=())
    seen = store.thread_key(KEY, "seen:m1")
    assert await raw.get(seen) == "tok-a"
    assert 0 < await raw.pttl(seen) <= store.cfg.inflight_ttl_seconds * 1000


async def test_commit_then_begin_gives_back_the_state_and_transcript(store: RedisStore) -> None:
    first = await handle(
        store, "m1", redirects=2, warned_at=1, warned_behaviour="insults", crisis_until=1e9 + 0.5
    )
    second = await handle(store, "m2")
    begun = await store.begin(KEY, "m3", "tok")
    assert begun.state == committed_state(second)
    assert begun.state.version == 2
    assert begun.state.turn == 2
    assert begun.state.warned_behaviour == "insults"
    assert begun.log == first.log + second.log
    assert await store.transcript(KEY) == first.log + second.log
    assert (await store.stats("discord", "g1"))["messages"] == 2


async def test_the_stored_version_is_expected_plus_one(store: RedisStore, raw: aioredis.Redis) -> None:
    begun = await store.begin(KEY, "m1", "tok")
    commit = next_turn(begun, "m1", "tok", version=999)  # the caller's version is ignored
    assert await store.commit(commit)
    assert await raw.hget(store.thread_key(KEY, "state"), "v") == "1"
    assert committed_state(commit).version == 1


async def test_a_thread_state_is_a_small_key(store: RedisStore, raw: aioredis.Redis) -> None:
    await handle(
        store,
        "m1",
        status=Status.CONFIRMING_END,
        turn=250,
        redirects=4,
        clean_streak=2,
        warned_at=240,
        warned_behaviour="repeatedly insulting another member of the server",
        crisis_until=1_767_225_600.125,
        episode=3,
    )
    usage = await raw.memory_usage(store.thread_key(KEY, "state"))
    assert usage is not None
    assert usage < 512


async def test_of_two_concurrent_commits_one_wins_and_the_loser_applies_on_top(store: RedisStore) -> None:
    a = await store.begin(KEY, "m1", "tok-a")
    b = await store.begin(KEY, "m2", "tok-b")
    assert a.state.version == b.state.version == 0
    results = await asyncio.gather(
        store.commit(next_turn(a, "m1", "tok-a")), store.commit(next_turn(b, "m2", "tok-b"))
    )
    assert sorted(results) == [False, True]
    loser, token = ("m2", "tok-b") if results[0] else ("m1", "tok-a")

    again = await store.begin(KEY, loser, token)
    assert not again.duplicate  # our own reservation: a retry, not a redelivery
    assert again.state.version == 1
    retry = next_turn(again, loser, token)
    assert await store.commit(retry)

    assert await store.commit(retry)  # resent by the same handler: reported applied, applied once
    final = await store.begin(KEY, "m3", "tok-c")
    assert final.state.version == 2
    assert final.state.turn == 2
    assert len(final.log) == 4
    assert (await store.stats("discord", "g1"))["messages"] == 2


async def test_a_message_is_never_applied_twice_even_at_the_current_version(store: RedisStore) -> None:
    commit = await handle(store, "m1")
    begun = await store.begin(KEY, "m1", "tok")
    assert begun.duplicate
    replay = next_turn(begun, "m1", "tok-redelivered")
    assert replay.expected_version == 1
    assert not await store.commit(replay)
    assert (await store.begin(KEY, "m2", "x")).state == committed_state(commit)
    assert (await store.stats("discord", "g1"))["messages"] == 1


async def test_a_commit_resent_by_its_own_handler_succeeds_once(store: RedisStore) -> None:
    """A dropped connection after a commit went through: the resend says applied, not refused."""
    begun = await store.begin(KEY, "m1", "tok-a")
    commit = next_turn(begun, "m1", "tok-a")
    assert await store.commit(commit)
    assert await store.commit(commit)
    state = (await store.begin(KEY, "probe", "tok-p")).state
    assert state.version == 1 and state.turn == 1
    assert (await store.stats(KEY.platform, KEY.space))["messages"] == 1


async def test_a_redelivered_message_is_a_duplicate_after_commit(
    store: RedisStore, raw: aioredis.Redis
) -> None:
    await handle(store, "m1", token="tok-a")
    for token in ("tok-a", "tok-b"):
        assert (await store.begin(KEY, "m1", token)).duplicate
    seen = store.thread_key(KEY, "seen:m1")
    assert (await raw.get(seen) or "").startswith("done:")
    ttl = await raw.ttl(seen)
    assert store.cfg.dedupe_ttl_hours * 3600 - 5 < ttl <= store.cfg.dedupe_ttl_hours * 3600


async def test_a_message_in_flight_is_a_duplicate_for_another_handler(store: RedisStore) -> None:
    assert not (await store.begin(KEY, "m1", "tok-a")).duplicate
    assert (await store.begin(KEY, "m1", "tok-b")).duplicate
    assert not (await store.begin(KEY, "m1", "tok-a")).duplicate


async def test_a_crashed_handlers_reservation_expires_and_the_message_is_handled(
    store: RedisStore, raw: aioredis.Redis
) -> None:
    crashed = await store.begin(KEY, "m1", "tok-crashed")
    assert (await store.begin(KEY, "m1", "tok-b")).duplicate
    seen = store.thread_key(KEY, "seen:m1")
    assert 0 < await raw.pttl(seen) <= store.cfg.inflight_ttl_seconds * 1000
    await raw.pexpire(seen, 1)  # the reservation's time runs out
    await asyncio.sleep(0.02)

    begun = await store.begin(KEY, "m1", "tok-b")
    assert not begun.duplicate
    assert await store.commit(next_turn(begun, "m1", "tok-b"))
    assert not await store.commit(next_turn(crashed, "m1", "tok-crashed"))  # late and stale
    assert (await store.begin(KEY, "m2", "tok")).state.turn == 1


async def test_release_drops_only_our_own_reservation(store: RedisStore, raw: aioredis.Redis) -> None:
    await store.begin(KEY, "m1", "tok-a")
    await store.release(KEY, "m1", "tok-b")
    assert await raw.get(store.thread_key(KEY, "seen:m1")) == "tok-a"
    await store.release(KEY, "m1", "tok-a")
    assert await raw.exists(store.thread_key(KEY, "seen:m1")) == 0
    assert not (await store.begin(KEY, "m1", "tok-b")).duplicate


async def test_release_never_forgets_a_committed_message(store: RedisStore) -> None:
    await handle(store, "m1", token="tok-a")
    await store.release(KEY, "m1", "tok-a")
    assert (await store.begin(KEY, "m1", "tok-a")).duplicate


async def test_commit_refreshes_the_thread_ttl(store: RedisStore, raw: aioredis.Redis) -> None:
    await handle(store, "m1")
    for part in ("state", "log"):
        await raw.expire(store.thread_key(KEY, part), 100)
    begun = await store.begin(KEY, "m2", "tok")
    assert await store.commit(next_turn(begun, "m2", "tok"))
    for part in ("state", "log"):
        assert await raw.ttl(store.thread_key(KEY, part)) > 30 * DAY - 5


async def test_the_transcript_is_capped_oldest_first(make_store: MakeStore) -> None:
    store = await make_store(StoreConfig(transcript_max_entries=5))
    commits = [await handle(store, f"m{i}") for i in range(4)]
    lines = [entry for c in commits for entry in c.log]
    assert await store.transcript(KEY) == tuple(lines[-5:])
    assert (await store.begin(KEY, "m9", "tok")).log == tuple(lines[-5:])


async def end_thread(store: RedisStore, reason: str = "kept insulting after a warning") -> None:
    await handle(store, "m1", redirects=3, warned_at=1, warned_behaviour="insults")
    await handle(store, "m2", redirects=4, status=Status.ENDED, ended_reason=reason)


async def test_the_ended_marker_outlives_the_state(make_store: MakeStore, redis_url: str) -> None:
    store = await make_store(StoreConfig(thread_ttl_days=1, ended_ttl_days=400))
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await end_thread(store)
        ended = store.thread_key(KEY, "ended")
        assert await raw.get(ended) == "kept insulting after a warning"
        assert 400 * DAY - 5 < await raw.ttl(ended) <= 400 * DAY
        for part in ("state", "log"):
            assert DAY - 5 < await raw.ttl(store.thread_key(KEY, part)) <= DAY

        for part in ("state", "log"):  # a day passes
            await raw.pexpire(store.thread_key(KEY, part), 1)
        await asyncio.sleep(0.02)
        begun = await store.begin(KEY, "m3", "tok")
        assert begun.state == ThreadState(status=Status.ENDED, ended_reason="kept insulting after a warning")
        assert await raw.exists(store.thread_key(KEY, "seen:m3")) == 0
        assert not await store.commit(next_turn(begun, "m3", "tok"))  # still ended
    finally:
        await raw.aclose()


async def test_an_ended_thread_begins_ended_without_reserving(store: RedisStore, raw: aioredis.Redis) -> None:
    await end_thread(store, "member asked to end")
    begun = await store.begin(KEY, "m3", "tok")
    assert not begun.duplicate
    assert begun.state.status is Status.ENDED
    assert begun.state.ended_reason == "member asked to end"
    assert begun.state.version == 2
    assert await raw.exists(store.thread_key(KEY, "seen:m3")) == 0


async def test_reopen_returns_an_ended_thread_to_active_with_a_clean_slate(
    store: RedisStore, raw: aioredis.Redis
) -> None:
    await end_thread(store)
    record = AuditRecord("reopen", KEY.thread, "u-ann", Actor.MODERATOR, "misunderstanding", 1_700_000_000.0)
    state = await store.reopen(KEY, record)
    assert state == ThreadState(status=Status.ACTIVE, turn=2, version=3)
    assert await raw.exists(store.thread_key(KEY, "ended")) == 0

    begun = await store.begin(KEY, "m3", "tok")
    assert begun.state == state
    assert not begun.duplicate
    assert await store.commit(next_turn(begun, "m3", "tok"))
    [audited] = await store.audit("discord", "g1", thread=KEY.thread)
    assert audited.action == "reopen"
    assert audited.actor is Actor.MODERATOR
    assert audited.case == 1


async def test_reopen_after_the_state_expired_starts_from_the_marker(
    store: RedisStore, raw: aioredis.Redis
) -> None:
    await end_thread(store)
    await raw.delete(store.thread_key(KEY, "state"))
    record = AuditRecord("reopen", KEY.thread, "", Actor.MODERATOR, "", 0.0)
    state = await store.reopen(KEY, record)
    assert state == ThreadState(version=1)
    assert (await store.begin(KEY, "m3", "tok")).state == state
