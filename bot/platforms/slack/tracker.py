"""Work started after an ack: counted, so shutdown (and tests) can wait until it has finished."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Tracker:
    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> int:
        return self._running

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def idle(self, within: float | None = None) -> bool:
        """Wait until nothing runs; False if `within` seconds passed first."""
        try:
            async with asyncio.timeout(within):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
