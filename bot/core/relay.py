"""Delivers durable actions (endings, escalations) from the outbox, at least once.

The engine commits them with the thread's state; the relay hands each to the platform's sink and
acknowledges it only once delivered. An entry whose delivery failed, or whose worker crashed, stays
pending and is claimed again after the store's idle time, so an alert is never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.core.errors import DeliveryDeferred, StoreUnavailable
from bot.core.ports import ActionSink, Store

log = logging.getLogger("threadkeeper.relay")


class OutboxRelay:
    def __init__(
        self, store: Store, sink: ActionSink, consumer: str, poll_seconds: float = 1.0, *, platform: str
    ) -> None:
        self.store = store
        self.platform = platform
        self.sink = sink
        self.consumer = consumer
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Deliver soon: something was just queued."""
        self._wake.set()

    async def drain(self) -> int:
        """Deliver everything currently waiting; returns how many were delivered."""
        delivered = 0
        while True:
            entries = await self.store.read_outbox(self.platform, self.consumer)
            if not entries:
                return delivered
            done: list[str] = []
            for entry in entries:
                try:
                    await self.sink.perform(entry.item)
                except DeliveryDeferred as why:
                    log.warning(
                        "outbox_delivery_deferred",
                        extra={"entry": entry.id, "conversation": entry.item.key.tag, "reason": str(why)},
                    )
                    continue
                except Exception:
                    log.exception(
                        "outbox_delivery_failed",
                        extra={
                            "entry": entry.id,
                            "conversation": entry.item.key.tag,
                            "deliveries": entry.deliveries,
                        },
                    )
                    continue
                done.append(entry.id)
            if done:
                await self.store.ack_outbox(self.platform, done)
                delivered += len(done)
            if len(done) < len(entries):
                return delivered  # the rest is retried after the claim idle time

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until `stop` is set, waking on `kick` or every `poll_seconds`."""
        while not stop.is_set():
            try:
                await self.drain()
            except StoreUnavailable as exc:
                log.error("outbox_store_unavailable", extra={"error": str(exc)})
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
