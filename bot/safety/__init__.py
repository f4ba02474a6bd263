"""Local, deterministic safety net: crisis detection and abuse classification without a network."""

from bot.safety.net import LocalSafetyNet, assess, screen

__all__ = ["LocalSafetyNet", "assess", "screen"]
