"""Each server's effective settings, reused for a few seconds: every channel message asks for them."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.core.config import SpaceConfig
from bot.core.engine import Engine
from bot.core.ports import Store
from bot.platforms.discord.render import snowflake
from bot.platforms.discord.translate import PLATFORM


class ServerConfigs:
    def __init__(
        self, store: Store, engine: Engine, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.engine = engine
        self.ttl = ttl_seconds
        self.clock = clock
        self._cache: dict[int, tuple[float, SpaceConfig]] = {}

    async def get(self, guild_id: int, *, fresh: bool = False) -> SpaceConfig:
        """The server's config (defaults plus admin overrides); raises `StoreUnavailable`."""
        now = self.clock()
        hit = self._cache.get(guild_id)
        if hit is not None and not fresh and now - hit[0] < self.ttl:
            return hit[1]
        cfg = self.engine.spaces.get(await self.store.overrides(PLATFORM, str(guild_id)))
        self._cache[guild_id] = (now, cfg)
        return cfg

    def last_known(self, guild_id: int) -> SpaceConfig | None:
        """The config read last, however old: better than the defaults while Redis is down."""
        hit = self._cache.get(guild_id)
        return hit[1] if hit is not None else None

    def forget(self, guild_id: int) -> None:
        """An admin changed something here: read it again next time."""
        hit = self._cache.get(guild_id)
        if hit is not None:
            self._cache[guild_id] = (float("-inf"), hit[1])

    async def is_ai_channel(self, guild_id: int, channel_id: int) -> bool:
        cfg = await self.get(guild_id)
        return any(snowflake(c) == channel_id for c in cfg.ai_channels)
