"""The SDK client, configured once: credentials from the environment, limits from config."""

from __future__ import annotations

import anthropic

from bot.core.config import BrainConfig
from bot.core.errors import ConfigError
from bot.settings import Settings

# Sent when ANTHROPIC_BASE_URL points at a stand-in (a local emulator or a proxy holding the key).
_NO_KEY = "not-set"


def make_client(settings: Settings, config: BrainConfig) -> anthropic.AsyncAnthropic:
    """An `AsyncAnthropic` whose retries (429, 529, 5xx, timeouts, honouring `retry-after`) and
    per-request timeout come from `[brain]`; the key from ANTHROPIC_API_KEY, the URL from
    ANTHROPIC_BASE_URL when set."""
    key = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else None
    if not key and not settings.anthropic_base_url:
        raise ConfigError(
            "the anthropic brain needs ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL for a local stand-in); "
            "use --brain offline to run without a model"
        )
    return anthropic.AsyncAnthropic(
        api_key=key or _NO_KEY,
        base_url=settings.anthropic_base_url or None,
        max_retries=config.max_retries,
        timeout=config.request_timeout_seconds,
    )
