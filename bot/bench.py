"""`threadkeeper bench`: the engine's own cost per message, measured against the Redis floor.

Everything runs in one process against the Redis at REDIS_URL, under a key prefix of its own that
is deleted afterwards. Commands and round trips are counted where they leave for the socket (a
pipeline is one round trip carrying several commands), not assumed.

The floor is the one the issue defines: two EVALSHA round trips per message, each on its own. The
store batches the calls of concurrent turns into pipelines (`bot.store.autopipeline`), so the
engine can beat that floor; the same two calls per message sent through the same batching give a
second, stricter floor, reported beside it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.connection import Connection

from bot.core.config import AppConfig
from bot.core.domain import Assessment, Category, Inbound, Severity, ThreadKey, Turn
from bot.core.engine import Engine
from bot.core.ports import BrainRequest
from bot.safety import LocalSafetyNet
from bot.store import RedisStore
from bot.store.autopipeline import AutoPipeline
from bot.store.redis_store import SCRIPTS

# What members write, roughly: mostly ordinary messages, some hostile ones.
CORPUS = (
    "hi, can you help me plan a birthday party for my sister next weekend?",
    "what's a good way to structure a cover letter for a junior developer role?",
    "thanks, that's really helpful. could you make it a bit shorter?",
    "I strongly disagree with you, nuclear power is the only serious answer here",
    "you are a useless stupid bot",
    "how do I kill a python process that hangs on exit?",
    "ok, and what about the summary section, should it mention my side projects?",
    "damn, that worked. thanks a lot!",
)


class CountingConnection(Connection):
    """A connection that counts what it sends: round trips (a pipeline is one) and commands."""

    sent = 0
    commands = 0

    def pack_command(self, *args: Any) -> list[bytes]:
        CountingConnection.commands += 1
        return super().pack_command(*args)

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.sent += 1
        await super().send_packed_command(command, check_health)


class InstantBrain:
    """A zero-latency brain (or one that sleeps `delay`), so only our own work is measured."""

    name = "bench"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    async def respond(self, request: BrainRequest) -> Turn:
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.screening.abuse.is_abusive:
            return Turn("let's keep it civil", Assessment(Category.HARASSMENT, Severity.LOW, "insults"))
        return Turn("Sure, here is a short answer.")


@dataclass
class BenchResult:
    threads: int
    messages_per_thread: int
    messages_per_s: float
    floor_messages_per_s: float
    ratio_to_floor: float
    pipelined_floor_messages_per_s: float
    ratio_to_pipelined_floor: float
    p50_ms: float
    p99_ms: float
    redis_commands_per_message: float
    redis_round_trips_per_message: float
    state_bytes_per_thread: float
    transcript_bytes_per_thread: float
    concurrency_efficiency: float
    cores: int


def _inbound(thread: int, n: int, run: str) -> Inbound:
    return Inbound(
        platform="bench",
        space_id="space",
        thread_id=f"{run}-{thread}",
        channel_id="c",
        author_id=f"u{thread}",
        author_name="member",
        message_id=f"{run}-{thread}-{n}",
        text=CORPUS[(thread + n) % len(CORPUS)],
    )


async def _concurrently(
    threads: int, messages: int, one: Callable[[int, int], Awaitable[object]]
) -> tuple[float, list[float]]:
    """Run `threads` tasks of `messages` sequential calls each; wall time and per-call latencies."""
    latencies: list[float] = []

    async def worker(thread: int) -> None:
        for n in range(messages):
            started = time.perf_counter()
            await one(thread, n)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(t) for t in range(threads)))
    return time.perf_counter() - started, latencies


def _floor_scripts() -> tuple[str, str]:
    """No-op scripts padded to the byte size of the real begin and commit scripts."""
    folder = resources.files("bot.store").joinpath("scripts")
    sizes = [len(folder.joinpath(f"{name}.lua").read_bytes()) for name in ("begin", "commit")]
    body = "return {1, ARGV[1]}\n"
    return tuple(body + "-- " + "x" * max(0, size - len(body) - 4) + "\n" for size in sizes)  # type: ignore[return-value]


async def run_bench(
    redis_url: str, app: AppConfig, threads: int, messages: int, progress: Callable[[str], None]
) -> BenchResult:
    prefix = f"tkbench-{uuid.uuid4().hex[:8]}"
    pool = aioredis.BlockingConnectionPool.from_url(
        redis_url,
        decode_responses=True,
        connection_class=CountingConnection,
        max_connections=max(threads, 200),
        timeout=30,
    )
    client = aioredis.Redis(connection_pool=pool)
    store = RedisStore(client, app.store, prefix)
    try:
        await store.load_scripts()
        safety = LocalSafetyNet.configured(app.safety)
        engine = Engine(store, InstantBrain(), safety, app)
        recorder = _Recorder(store)

        progress(f"engine: {threads} threads x {messages} messages")
        # Warm up at full concurrency, so connection handshakes are not counted as message work.
        await _concurrently(max(threads, 200), 1, lambda t, n: client.ping())
        sent, commands = CountingConnection.sent, CountingConnection.commands
        wall, latencies = await _concurrently(
            threads, messages, lambda t, n: engine.handle(_inbound(t, n, "run"))
        )
        total = threads * messages
        round_trips = (CountingConnection.sent - sent) / total
        commands_sent = (CountingConnection.commands - commands) / total

        progress("floor: two EVALSHA round trips per message")
        floor_wall = await _floor(client.execute_command, client, recorder.calls, threads, messages)
        progress("pipelined floor: the same calls, batched as the store batches them")
        pipelined_wall = await _floor(AutoPipeline(client), client, recorder.calls, threads, messages)

        state_bytes, log_bytes = await _memory(client, store, threads)

        progress("concurrency: 200 threads, a brain that takes 200 ms")
        slow = Engine(store, InstantBrain(delay=0.2), safety, app)
        # Enough turns per thread that the threads fall out of step, as real conversations are.
        slow_threads, slow_messages = 200, max(messages, 3)
        slow_wall, _ = await _concurrently(
            slow_threads, slow_messages, lambda t, n: slow.handle(_inbound(t, n, "slow"))
        )
        achieved = slow_threads * slow_messages / slow_wall
        ideal = slow_threads / 0.2

        latencies.sort()
        rate = total / wall
        floor_rate = total / floor_wall
        pipelined_rate = total / pipelined_wall
        return BenchResult(
            threads=threads,
            messages_per_thread=messages,
            messages_per_s=round(rate, 1),
            floor_messages_per_s=round(floor_rate, 1),
            ratio_to_floor=round(rate / floor_rate, 3),
            pipelined_floor_messages_per_s=round(pipelined_rate, 1),
            ratio_to_pipelined_floor=round(rate / pipelined_rate, 3),
            p50_ms=round(statistics.median(latencies) * 1000, 3),
            p99_ms=round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 3),
            redis_commands_per_message=round(commands_sent, 3),
            redis_round_trips_per_message=round(round_trips, 3),
            state_bytes_per_thread=state_bytes,
            transcript_bytes_per_thread=log_bytes,
            concurrency_efficiency=round(achieved / ideal, 3),
            cores=_cores(),
        )
    finally:
        await _cleanup(client, prefix)
        await client.aclose()


class _Recorder:
    """Keeps the arguments of one real begin and one real commit, for the floor to replay."""

    def __init__(self, store: RedisStore) -> None:
        self.calls: dict[str, tuple[Any, ...]] = {}
        self._shas = {SCRIPTS[name].sha: name for name in ("begin", "commit")}
        self._inner = store._cmd
        store._cmd = self

    async def __call__(self, *args: Any) -> Any:
        if len(args) > 1 and args[0] == "EVALSHA" and args[1] in self._shas:
            self.calls[self._shas[args[1]]] = args[2:]
        return await self._inner(*args)


async def _floor(
    execute: Callable[..., Awaitable[Any]],
    client: aioredis.Redis,
    calls: dict[str, tuple[Any, ...]],
    threads: int,
    messages: int,
) -> float:
    """Two EVALSHA calls per message through `execute`, carrying the same arguments as a real
    begin and commit, to no-op scripts of the same size: what any design with two calls pays."""
    begin_src, commit_src = _floor_scripts()
    begin = (await client.script_load(begin_src), *calls["begin"])
    commit = (await client.script_load(commit_src), *calls["commit"])

    async def one(thread: int, n: int) -> None:
        await execute("EVALSHA", *begin)
        await execute("EVALSHA", *commit)

    wall, _ = await _concurrently(threads, messages, one)
    return wall


async def _memory(client: aioredis.Redis, store: RedisStore, threads: int) -> tuple[float, float]:
    sample = range(min(threads, 50))
    state: list[int] = []
    log: list[int] = []
    for t in sample:
        key = ThreadKey("bench", "space", f"run-{t}")
        state.append(int(await client.memory_usage(store.thread_key(key, "state")) or 0))
        log.append(int(await client.memory_usage(store.thread_key(key, "log")) or 0))
    return round(statistics.mean(state), 1), round(statistics.mean(log), 1)


async def _cleanup(client: aioredis.Redis, prefix: str) -> None:
    async for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        await client.unlink(key)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def as_table(result: BenchResult) -> str:
    rows: Sequence[tuple[str, object]] = list(asdict(result).items())
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
