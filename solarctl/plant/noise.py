"""Seeded, deterministic noise that depends on time only, never on how the plant is stepped."""

from __future__ import annotations

import math


def _mix64(x: int) -> int:
    """splitmix64 finaliser: a well-spread hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class Noise:
    """Deterministic multiplicative noise, a function of (seed, time) only: the same at any step size.

    Uniform knots in [-1, 1] every minute, interpolated linearly so the value changes smoothly.
    """

    KNOT_S = 60.0

    def __init__(self, seed: int, amplitude: float) -> None:
        self._seed = _mix64(seed & 0xFFFFFFFFFFFFFFFF)
        self._amplitude = amplitude
        self._knot = -1
        self._a = self._b = 0.0

    def _value(self, k: int) -> float:
        return _mix64(self._seed ^ (k & 0xFFFFFFFFFFFFFFFF)) / 2.0**63 - 1.0

    def factor(self, t: float) -> float:
        x = t / self.KNOT_S
        k = math.floor(x)
        if k != self._knot:  # the next minute's first knot is this one's second (time mostly moves on)
            a = self._b if k == self._knot + 1 else self._value(k)
            self._knot, self._a, self._b = k, a, self._value(k + 1)
        return 1.0 + self._amplitude * (self._a + (self._b - self._a) * (x - k))
