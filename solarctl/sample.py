"""What a device poll produces.

Conventions used everywhere (stated once):
- units are SI: V, A, W, Hz, °C, %, s, and energy in kWh;
- battery current/power positive = charging; grid power positive = import from the grid.

A failed poll never produces a Sample: it produces a PollError, and the state hub keeps the
last good values marked stale. Errors are not values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union

Value = Union[float, int, bool, str, list, None]


@dataclass(frozen=True, slots=True)
class Sample:
    """Fresh values read from one device at one instant."""

    device: str
    timestamp: float  # epoch seconds, UTC, from the injected clock
    values: Mapping[str, Value]
    units: Mapping[str, str] = field(default_factory=dict)  # metric -> unit, for those that have one
    alarms: tuple[str, ...] = ()  # abnormal states reported by the device itself


@dataclass(frozen=True, slots=True)
class PollError:
    """A poll that did not yield trustworthy values, with the reason."""

    device: str
    timestamp: float
    reason: str
