"""An in-process Redis for the console, so trying the bot needs nothing installed.

It runs the same Lua scripts as a real server (fakeredis with Lua); state lives as long as the
process does.
"""

from __future__ import annotations

import fakeredis

from bot.core.config import StoreConfig
from bot.store.redis_store import RedisStore

EMBEDDED = "embedded (in-process, not persisted)"


def embedded_store(cfg: StoreConfig, prefix: str = "tk") -> RedisStore:
    """A RedisStore on a fresh in-process server; scripts are loaded on first use."""
    client = fakeredis.FakeAsyncRedis(
        server=fakeredis.FakeServer(version=(7,)),
        decode_responses=True,
        encoding_errors="surrogatepass",
    )
    return RedisStore(client, cfg, prefix, where=EMBEDDED)
