"""Auto-pipelining against a real Redis: batching, per-command replies and errors, outages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
import redis.exceptions as rx
from redis.asyncio.connection import Connection

from bot.core.config import StoreConfig
from bot.core.domain import ThreadKey
from bot.core.errors import StoreUnavailable
from bot.store.autopipeline import AutoPipeline
from bot.store.redis_store import RedisStore
from tests.conftest import RedisServer


class Writes(Connection):
    """Counts socket writes: one per round trip, however many commands it carries."""

    count = 0

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        Writes.count += 1
        await super().send_packed_command(command, check_health)


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    pool = aioredis.ConnectionPool.from_url(redis_url, decode_responses=True, connection_class=Writes)
    client = aioredis.Redis(connection_pool=pool)
    yield client
    await client.aclose()


async def test_concurrent_calls_share_one_round_trip_and_each_gets_its_own_reply(
    client: aioredis.Redis,
) -> None:
    run = AutoPipeline(client)
    key = f"tktest-ap-{uuid.uuid4().hex}"
    await client.ping()
    before = Writes.count
    replies = await asyncio.gather(*(run("INCRBY", key, n) for n in range(1, 51)))
    assert Writes.count - before == 1
    assert sorted(replies) == replies and replies[-1] == sum(range(1, 51))
    assert await client.get(key) == str(sum(range(1, 51)))
    await client.delete(key)


async def test_a_lone_call_goes_straight_through(client: aioredis.Redis) -> None:
    run = AutoPipeline(client)
    await client.ping()
    before = Writes.count
    assert await run("PING") is True
    assert Writes.count - before == 1


async def test_an_error_answer_reaches_only_the_command_that_caused_it(client: aioredis.Redis) -> None:
    run = AutoPipeline(client)
    key = f"tktest-ap-{uuid.uuid4().hex}"
    ok, missing, wrong_type = await asyncio.gather(
        run("SET", key, "text"),
        run("EVALSHA", "0" * 40, 0),
        run("INCR", key),
        return_exceptions=True,
    )
    assert ok is True
    assert isinstance(missing, rx.NoScriptError)
    assert isinstance(wrong_type, rx.ResponseError) and "not an integer" in str(wrong_type)
    await client.delete(key)


async def test_batches_are_capped(client: aioredis.Redis) -> None:
    run = AutoPipeline(client, max_batch=10)
    await asyncio.gather(*(client.ping() for _ in range(4)))  # connections made before counting
    before = Writes.count
    await asyncio.gather(*(run("PING") for _ in range(35)))
    assert Writes.count - before == 4


async def test_a_cancelled_caller_does_not_disturb_the_others(client: aioredis.Redis) -> None:
    run = AutoPipeline(client)
    first = asyncio.ensure_future(run("PING"))
    second = asyncio.ensure_future(run("ECHO", "still here"))
    first.cancel()
    assert await second == "still here"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_an_outage_fails_every_call_of_the_batch_as_store_unavailable(
    restartable_redis: RedisServer,
) -> None:
    client = aioredis.Redis.from_url(restartable_redis.url, decode_responses=True)
    store = RedisStore(client, StoreConfig(), prefix=f"tktest-{uuid.uuid4().hex[:8]}")
    await store.load_scripts()
    keys = [ThreadKey("p", "s", f"t{n}") for n in range(5)]
    restartable_redis.stop()
    results = await asyncio.gather(*(store.begin(key, "m1", "token") for key in keys), return_exceptions=True)
    assert all(isinstance(r, StoreUnavailable) and "not answering" in str(r) for r in results)
    restartable_redis.start()
    begun = await asyncio.gather(*(store.begin(key, "m1", "token") for key in keys))
    assert [b.duplicate for b in begun] == [False] * 5
    await client.aclose()
