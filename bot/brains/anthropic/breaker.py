"""A circuit breaker: after enough consecutive failures, stop asking the model for a while.

Closed: every call goes through. After `failures` consecutive failed calls it opens: calls fail at
once (the engine answers with the offline brain and an honest notice) until `cooldown` seconds have
passed. Then one trial call is let through (half-open): success closes the circuit, failure opens
it for another cool-down. The clock is injectable so tests can move time.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable

log = logging.getLogger("threadkeeper.brain.anthropic")


class CircuitState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        if failures < 1 or cooldown <= 0:
            raise ValueError("a circuit breaker needs failures >= 1 and cooldown > 0")
        self.threshold = failures
        self.cooldown = cooldown
        self.clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False  # a half-open trial call is in flight

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self.clock() - self._opened_at >= self.cooldown:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def retry_in(self) -> float:
        """Seconds until a trial call will be let through (0 when calls go through now)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (self.clock() - self._opened_at))

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state only one trial call at a time."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._trial:
            self._trial = True
            log.info("circuit_trial", extra={"failures": self._failures})
            return True
        return False

    def succeeded(self) -> None:
        if self._opened_at is not None:
            log.warning("circuit_closed", extra={"failures": self._failures})
        self._failures = 0
        self._opened_at = None
        self._trial = False

    def failed(self) -> None:
        self._failures += 1
        if self._trial or (self._opened_at is None and self._failures >= self.threshold):
            log.warning(
                "circuit_opened", extra={"failures": self._failures, "cooldown_seconds": self.cooldown}
            )
            self._opened_at = self.clock()
        self._trial = False
