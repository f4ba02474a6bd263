"""Effective per-space configuration, memoised: admin overrides change rarely, messages often."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping

from bot.core.config import SpaceConfig, apply_overrides
from bot.core.errors import ConfigError

log = logging.getLogger("threadkeeper.config")


class SpaceConfigs:
    """Turns stored overrides into a validated `SpaceConfig` once per distinct set of overrides."""

    def __init__(self, defaults: SpaceConfig, capacity: int = 1024) -> None:
        self.defaults = defaults
        self._cache: OrderedDict[frozenset[tuple[str, str]], SpaceConfig] = OrderedDict()
        self._capacity = capacity

    def get(self, overrides: Mapping[str, str]) -> SpaceConfig:
        if not overrides:
            return self.defaults
        key = frozenset(overrides.items())
        cfg = self._cache.get(key)
        if cfg is None:
            cfg = self._build(overrides)
            self._cache[key] = cfg
            if len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return cfg

    def _build(self, overrides: Mapping[str, str]) -> SpaceConfig:
        try:
            return apply_overrides(self.defaults, overrides)
        except ConfigError:
            pass
        # An override that was valid when set may not be under new defaults: keep the good ones.
        cfg = self.defaults
        for key, value in sorted(overrides.items()):
            try:
                cfg = apply_overrides(cfg, {key: value})
            except ConfigError as exc:
                log.warning("override_ignored", extra={"key": key, "error": str(exc)})
        return cfg
