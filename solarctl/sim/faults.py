"""Fault switches shared by the simulators, flipped by tests (and `solarctl sim` users)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Faults:
    delay_s: float = 0.0  # answer every request this late
    exception_code: int | None = None  # answer every request with this Modbus exception
    silent: bool = False  # read requests, never answer
    dead_units: set[int] = field(default_factory=set)  # units that behave as unplugged (gateway: 0x0B)
    # Serial lines only:
    echo: bool = False  # the adapter hears its own transmission
    noise: bytes = b""  # idle-line garbage sent before every answer
    corrupt_units: set[int] = field(default_factory=set)  # answers from these units get a bad CRC
    # Misreads: metric -> factor its value is multiplied by (10: a scale slip; -1: a flipped sign).
    scaled: dict[str, float] = field(default_factory=dict)

    def clear(self) -> None:
        self.delay_s = 0.0
        self.exception_code = None
        self.silent = False
        self.dead_units.clear()
        self.echo = False
        self.noise = b""
        self.corrupt_units.clear()
        self.scaled.clear()
