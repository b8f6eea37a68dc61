"""Fault switches shared by the simulators, flipped by tests (and `solarctl sim` users)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Faults:
    delay_s: float = 0.0  # answer every request this late
    exception_code: int | None = None  # answer every request with this Modbus exception
    silent: bool = False  # read requests, never answer
    dead_units: set[int] = field(default_factory=set)  # units that behave as unplugged (gateway: 0x0B)

    def clear(self) -> None:
        self.delay_s = 0.0
        self.exception_code = None
        self.silent = False
        self.dead_units.clear()
