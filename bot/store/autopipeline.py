"""Auto-pipelining: commands issued in the same event-loop turn leave for Redis as one pipeline.

With many threads active at once, most of redis-py's cost per call is the trip through the client
(taking a connection, writing, waking the caller), not Redis itself. Collecting the calls that
arrive before the loop gets back to I/O and sending them together keeps each message's two script
calls while the client overhead is paid once per batch. A lone call goes straight through, so a
quiet bot keeps its single round trip and gains no latency.

Every caller still gets its own reply or its own error: a Redis error answer (e.g. NOSCRIPT) goes
to the command that caused it, and a connection failure to every command of the batch, as it would
have without batching.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

_Pending = tuple[tuple[Any, ...], "asyncio.Future[Any]"]


class AutoPipeline:
    """`await pipeline(*command)` behaves like `client.execute_command(*command)`."""

    def __init__(self, client: aioredis.Redis, max_batch: int = 256) -> None:
        self._client = client
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._flushes: set[asyncio.Task[None]] = set()

    def __call__(self, *command: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((command, future))
        if len(self._pending) >= self._max_batch:
            self._flush()
        return future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.ensure_future(self._send(batch))
            # The loop keeps only weak references to tasks; hold each until it is done.
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

    async def _send(self, batch: list[_Pending]) -> None:
        try:
            if len(batch) == 1:
                execute: Callable[..., Awaitable[Any]] = self._client.execute_command
                replies = [await execute(*batch[0][0])]
            else:
                pipe = self._client.pipeline(transaction=False)
                queue: Callable[..., object] = pipe.execute_command
                for command, _ in batch:
                    queue(*command)
                replies = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # handed to every waiting caller, as each would have seen it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled (shutting down): so are the callers
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), reply in zip(batch, replies, strict=True):
            if future.done():  # the caller gave up (cancelled); its command ran all the same
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)
