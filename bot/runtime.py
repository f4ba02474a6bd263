"""Wiring shared by every entry point: config, store, brain, safety net, engine and relay."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.brains.offline import OfflineBrain
from bot.core.config import AppConfig, load_app_config
from bot.core.engine import Engine
from bot.core.errors import ConfigError, StoreUnavailable
from bot.core.ports import ActionSink, Brain, Store
from bot.core.relay import OutboxRelay
from bot.safety import LocalSafetyNet
from bot.settings import Settings
from bot.store import connect, embedded_store

log = logging.getLogger("threadkeeper.runtime")

BRAINS = ("offline", "anthropic")


def load_config(settings: Settings, path: Path | None = None) -> AppConfig:
    """The defaults file given on the command line, in THREADKEEPER_CONFIG, or the packaged one."""
    return load_app_config(path or settings.threadkeeper_config)


async def open_store(
    app: AppConfig, redis_url: str | None, *, require_redis: bool, prefix: str = "tk"
) -> tuple[Store, str]:
    """A store and a line saying which one; embedded only where allowed (console, eval)."""
    if redis_url:
        try:
            return await connect(redis_url, app.store, prefix), f"Redis at {redis_url}"
        except StoreUnavailable:
            if require_redis:
                raise
            log.warning("redis_unreachable_using_embedded", extra={"url": redis_url})
            return await _embedded(app), (
                f"Redis at {redis_url} is not answering; using the embedded in-memory store"
            )
    if require_redis:
        raise StoreUnavailable("REDIS_URL is not set: Discord and Slack need a real Redis (see README)")
    return await _embedded(app), "embedded in-memory store (set REDIS_URL to keep state)"


async def _embedded(app: AppConfig) -> Store:
    store = embedded_store(app.store)
    await store.load_scripts()
    return store


def make_brain(
    name: str,
    settings: Settings,
    app: AppConfig | None = None,
    *,
    clock: Callable[[], float] | None = None,
) -> Brain:
    """The named brain; the anthropic one takes its key and base URL from `settings`, its limits
    from `app.brain`, and the engine's clock (so it checks an ending at the engine's "now")."""
    if name == "offline":
        return OfflineBrain()
    if name == "anthropic":
        from bot.brains.anthropic import AnthropicBrain, make_client

        config = (app or load_app_config()).brain
        client = make_client(settings, config)
        return AnthropicBrain(client, config, clock=clock or time.time)
    raise ConfigError(f"unknown brain {name!r}; choose one of: {', '.join(BRAINS)}")


@dataclass
class Runtime:
    app: AppConfig
    store: Store
    engine: Engine
    relay: OutboxRelay
    store_description: str

    async def close(self) -> None:
        await self.relay.drain()
        await self.store.close()
        close_brain = getattr(self.engine.brain, "aclose", None)
        if close_brain is not None:
            await close_brain()


async def build_runtime(
    app: AppConfig,
    settings: Settings,
    sink: ActionSink,
    *,
    platform: str,
    brain: str = "offline",
    require_redis: bool = False,
    consumer: str = "console",
    clock: Callable[[], float] | None = None,
    prefix: str = "tk",
) -> Runtime:
    store, description = await open_store(app, settings.redis_url, require_redis=require_redis, prefix=prefix)
    relay = OutboxRelay(store, sink, consumer, platform=platform)
    chosen = make_brain(brain, settings, app, clock=clock)
    fallback = OfflineBrain() if chosen.name != "offline" else None
    kwargs = {"clock": clock} if clock else {}
    engine = Engine(
        store,
        chosen,
        LocalSafetyNet.configured(app.safety),
        app,
        fallback=fallback,
        on_queued=relay.kick,
        **kwargs,
    )
    return Runtime(app, store, engine, relay, description)
