"""Redis-backed implementation of the `Store` port (see DESIGN.md §5)."""

from bot.store.embedded import embedded_store
from bot.store.redis_store import RedisStore, committed_state, connect

__all__ = ["RedisStore", "committed_state", "connect", "embedded_store"]
