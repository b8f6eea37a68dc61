"""Circuit breaker: a sink that keeps failing is left alone for a backoff period, then gets one trial."""

from __future__ import annotations

from solarctl.bus.backoff import Backoff


class CircuitBreaker:
    """closed --(threshold consecutive failures, or one call over the time limit)--> open --(backoff)--> trial.

    A trial that succeeds closes it (and resets the backoff); one that fails opens it again, for longer.
    """

    def __init__(self, threshold: int = 3, backoff: Backoff | None = None) -> None:
        self.threshold = threshold
        self.backoff = backoff or Backoff(initial=1.0, maximum=60.0)
        self.state = "closed"
        self.failures = 0  # consecutive
        self.last_error: str | None = None

    def succeeded(self) -> int:
        """Record a success; returns how many failures it ended (0 when there were none)."""
        ended, self.failures, self.state = self.failures, 0, "closed"
        self.backoff.reset()
        return ended

    def failed(self, error: str, trip: bool = False) -> float | None:
        """Record a failure; returns how long to stay open, or None while below the threshold."""
        self.failures += 1
        self.last_error = error
        if trip or self.failures >= self.threshold or self.state == "trial":
            self.state = "open"
            return self.backoff.next_delay()
        return None

    def trial(self) -> None:
        self.state = "trial"
