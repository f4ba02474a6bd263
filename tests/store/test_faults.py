"""Round trips, restarts and outages, on private redis-server processes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import redis
import redis.asyncio as aioredis

from bot.core.actions import Escalate
from bot.core.config import StoreConfig
from bot.core.domain import Actor, Category, LogEntry, Severity, ThreadKey
from bot.core.errors import StoreUnavailable
from bot.core.ports import AuditRecord, Begun, Commit, Routed
from bot.store import RedisStore, connect
from bot.store.redis_store import SCRIPTS

if TYPE_CHECKING:
    from tests.conftest import MakeStore, RedisServer

KEY = ThreadKey("discord", "g1", "t1")
RECORD = AuditRecord("warn", "t1", "u1", Actor.MODEL, "insults", 1.0)


def next_turn(begun: Begun, message_id: str, token: str = "tok") -> Commit:
    state = begun.state.evolve(turn=begun.state.turn + 1, redirects=min(begun.state.redirects + 1, 3))
    return Commit(
        KEY,
        message_id,
        token,
        begun.state.version,
        state,
        (LogEntry("user", message_id, "ann"), LogEntry("bot", "ok", "", "reply")),
        (Routed(KEY, "c1", message_id, Escalate(Category.OK, Severity.NONE, False, "", "u1", "ann", 0)),),
        (RECORD,),
        {"messages": 1},
    )


class CountingRedis(aioredis.Redis):
    """A client that records every command it sends: one command, one round trip."""

    sent: list[str]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent.append(str(args[0]))
        return await super().execute_command(*args, **options)


def evalsha_calls(client: redis.Redis) -> int:
    """EVALSHA calls the server has seen (commands run inside scripts are counted separately)."""
    stats = client.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


async def test_begin_and_commit_are_one_round_trip_each(spawn_redis: Callable[..., RedisServer]) -> None:
    server = spawn_redis()
    client = CountingRedis.from_url(server.url, decode_responses=True)
    client.sent = []
    store = RedisStore(client, StoreConfig(), prefix="tkt-trips")
    observer = redis.Redis.from_url(server.url, decode_responses=True)
    try:
        await store.load_scripts()
        await store.begin(KEY, "m0", "warm-up")
        client.sent.clear()
        before = evalsha_calls(observer)

        begun = await store.begin(KEY, "m1", "tok")
        assert client.sent == ["EVALSHA"]
        assert evalsha_calls(observer) == before + 1

        assert await store.commit(next_turn(begun, "m1"))
        assert client.sent == ["EVALSHA", "EVALSHA"]
        assert evalsha_calls(observer) == before + 2
    finally:
        observer.close()
        await store.close()


async def test_a_redis_restart_in_the_middle_of_a_conversation(
    make_store: MakeStore, restartable_redis: RedisServer
) -> None:
    store = await make_store(url=restartable_redis.url)
    for message in ("m1", "m2", "m3"):
        begun = await store.begin(KEY, message, "tok")
        assert await store.commit(next_turn(begun, message))

    restartable_redis.stop()
    restartable_redis.start()
    observer = redis.Redis.from_url(restartable_redis.url, decode_responses=True)
    try:
        assert observer.script_exists(SCRIPTS["begin"].sha) == [False]  # the server forgot them
        again = await store.begin(KEY, "m3", "tok-redelivered")
        assert again.duplicate
        assert again.state.version == 3
        assert again.state.turn == 3

        begun = await store.begin(KEY, "m4", "tok")
        assert not begun.duplicate
        assert await store.commit(next_turn(begun, "m4"))
        assert observer.script_exists(SCRIPTS["commit"].sha) == [True]
    finally:
        observer.close()
    after = await store.begin(KEY, "m5", "tok")
    assert after.state.version == 4
    assert after.state.turn == 4
    assert after.state.redirects == 3
    assert len(after.log) == 8
    assert (await store.stats("discord", "g1")) == {"messages": 4}
    assert [r.case for r in await store.audit("discord", "g1")] == [4, 3, 2, 1]
    assert len(await store.read_outbox("discord", "relay")) == 4


async def test_lost_scripts_are_loaded_again_transparently(store: RedisStore, redis_url: str) -> None:
    begun = await store.begin(KEY, "m1", "tok")
    observer = redis.Redis.from_url(redis_url)
    try:
        observer.script_flush()
    finally:
        observer.close()
    assert await store.commit(next_turn(begun, "m1"))
    assert (await store.begin(KEY, "m1", "tok-2")).duplicate


def down_message(url: str) -> str:
    return f"Redis at {url} is not answering (Connection refused); start it or set REDIS_URL"


async def test_redis_down_is_store_unavailable_and_recovers(
    make_store: MakeStore, restartable_redis: RedisServer
) -> None:
    store = await make_store(url=restartable_redis.url)
    begun = await store.begin(KEY, "m1", "tok")
    assert await store.commit(next_turn(begun, "m1"))
    restartable_redis.stop()

    calls = [
        store.begin(KEY, "m2", "tok"),
        store.commit(next_turn(begun, "m2")),
        store.release(KEY, "m2", "tok"),
        store.reopen(KEY, RECORD),
        store.transcript(KEY),
        store.overrides("discord", "g1"),
        store.set_override("discord", "g1", "ending_enabled", "false", RECORD),
        store.reset_overrides("discord", "g1", RECORD),
        store.add_audit("discord", "g1", RECORD),
        store.audit("discord", "g1"),
        store.stats("discord", "g1"),
        store.add_stats("discord", "g1", {"messages": 1}),
        store.read_outbox("discord", "relay"),
        store.ack_outbox("discord", ["1-0"]),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailable) as caught:
            await call
        assert str(caught.value) == down_message(restartable_redis.url)
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__

    restartable_redis.start()
    again = await store.begin(KEY, "m2", "tok")
    assert not again.duplicate
    assert again.state.version == 1
    assert await store.commit(next_turn(again, "m2"))


async def test_connect_to_nothing_says_what_to_do(unused_port: int) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        await connect(f"redis://127.0.0.1:{unused_port}", StoreConfig())
    assert str(caught.value) == down_message(f"redis://127.0.0.1:{unused_port}")
    assert caught.value.__cause__ is None


async def test_connect_rejects_a_url_that_is_not_redis() -> None:
    expected = re.escape("REDIS_URL 'http://127.0.0.1:1' is not a Redis URL")
    with pytest.raises(StoreUnavailable, match=expected):
        await connect("http://127.0.0.1:1", StoreConfig())


async def test_connect_names_the_server_without_credentials(redis_url: str) -> None:
    store = await connect(redis_url, StoreConfig(), prefix="tkt-unused")
    try:
        assert store.where.startswith("redis://") or store.where.startswith("unix://")
        assert "@" not in store.where
    finally:
        await store.close()


async def test_a_redis_error_reply_is_store_unavailable(store: RedisStore, redis_url: str) -> None:
    observer = redis.Redis.from_url(redis_url)
    try:
        observer.set(store.thread_key(KEY, "state"), "not a hash")
    finally:
        observer.close()
    with pytest.raises(StoreUnavailable, match=r"refused to begin a turn: .*WRONGTYPE") as caught:
        await store.begin(KEY, "m1", "tok")
    assert caught.value.__cause__ is None
