"""The Claude brain (DESIGN.md §4): structured turns, a tool-gated ending, caching, bounded history."""

from bot.brains.anthropic.brain import AnthropicBrain
from bot.brains.anthropic.breaker import CircuitBreaker, CircuitState
from bot.brains.anthropic.client import make_client

__all__ = ["AnthropicBrain", "CircuitBreaker", "CircuitState", "make_client"]
