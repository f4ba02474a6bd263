"""Typed errors that carry a message an operator or a member can act on."""


class ThreadkeeperError(Exception):
    """Base of the project's own errors."""


class ConfigError(ThreadkeeperError):
    """A configuration file or override is invalid; the message names key, value and rule."""


class StoreUnavailable(ThreadkeeperError):
    """Redis cannot be reached or answered with an error; nothing was committed."""


class ModelUnavailable(ThreadkeeperError):
    """The brain could not produce a turn (timeout, outage, malformed result)."""


class ScenarioError(ThreadkeeperError):
    """A scenario file cannot be read or does not follow the format."""


class DeliveryDeferred(ThreadkeeperError):
    """A durable action cannot be delivered yet (no moderator channel, a missing permission, the
    client not connected); the outbox keeps it and the relay tries again later."""
