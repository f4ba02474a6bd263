"""`threadkeeper bench` runs, and the engine's Redis round trips per message do not creep up."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.bench import run_bench
from bot.core.config import load_app_config


async def test_bench_counts_two_commands_per_message_and_cleans_up(redis_url: str) -> None:
    result = await run_bench(redis_url, load_app_config(), threads=6, messages=5, progress=lambda s: None)
    assert result.redis_commands_per_message <= 2.0
    assert result.redis_round_trips_per_message <= 2.0
    assert 0 < result.state_bytes_per_thread <= 2048
    assert result.transcript_bytes_per_thread > 0
    assert result.messages_per_s > 0 and result.floor_messages_per_s > 0
    assert 0 < result.concurrency_efficiency <= 1.5
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    leftovers = [key async for key in client.scan_iter(match="tkbench-*")]
    await client.aclose()
    assert leftovers == []
