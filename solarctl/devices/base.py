"""What every driver offers the rest of the program.

A driver knows which requests exist and how to decode/encode them; it holds no I/O policy (the
link and poller decide when bytes move) and no business logic (control decides what to write).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal

from typing_extensions import TypeVar

from solarctl.bus.health import Health
from solarctl.bus.link import Link
from solarctl.registers import Register
from solarctl.sample import Value

# What a driver talks over; solarctl/links.py builds the link for each kind.
LinkKind = Literal["modbus_tcp", "modbus_rtu", "pylontech_console"]

# The link class a driver reads through. links.py picks it at run time from `link_kind`, so code that
# holds devices of several drivers (a bare `Device`) passes any link; a driver names the one it needs.
LinkT = TypeVar("LinkT", bound=Link, default=Any)


@dataclass(frozen=True)
class Reading:
    values: dict[str, Value]
    alarms: tuple[str, ...] = ()


def listed_alarms(values: dict[str, Value]) -> tuple[str, ...]:
    """The `alarms` list a driver put among its values, as a Reading's alarms."""
    alarms = values.get("alarms")
    return tuple(str(alarm) for alarm in alarms) if isinstance(alarms, list) else ()


class Device(ABC, Generic[LinkT]):
    driver: str = ""
    link_kind: ClassVar[LinkKind]  # the link it talks over, built above the drivers (links.py)
    min_gap: float = 0.0  # silence this device needs between frames on its link (s)

    def __init__(self, config: Any) -> None:
        self.config = config
        self.name: str = config.name
        self.poll_interval: float = config.poll_interval
        self.slow_interval: float = config.slow_interval
        self.timeout: float = config.timeout
        self.health = Health()
        self.settings_written = False  # a verified write since the last slow read: the next poll reads the slow group

    def setting_written(self) -> None:
        """A setting was written and read back: publish it on the next poll, not a slow interval later."""
        self.settings_written = True

    @abstractmethod
    async def read(self, link: LinkT, groups: frozenset[str]) -> Reading:
        """One poll of the given groups ("fast", "slow", "once"); raises on any failure."""

    @property
    def units(self) -> dict[str, str]:
        return {}

    async def serial_number(self, link: LinkT) -> str | None:
        """The serial number the device reports of itself (the write budget counts by it), or None when
        its protocol has none; raises like a read when it cannot be asked."""
        return None

    # Settings: drivers with writable registers override these.
    def settings(self) -> list[Register]:
        return []

    def setting(self, name: str) -> Register | None:
        return None

    async def read_setting(self, link: LinkT, reg: Register) -> Value:
        raise NotImplementedError(f"{self.driver} has no writable settings")

    async def write_setting(self, link: LinkT, reg: Register, value: Value) -> None:
        raise NotImplementedError(f"{self.driver} has no writable settings")
