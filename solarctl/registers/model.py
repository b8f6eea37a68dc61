"""The register table types.

A Register says where a value lives and how it is represented; nothing here does I/O.
`value = raw * scale + offset`, in the SI unit named by `unit` (a negative scale flips a sign
convention into ours, e.g. a device that reports grid import as negative).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterator, Mapping

SIZES = {"u8": 1, "s8": 1, "u16": 2, "s16": 2, "u32": 4, "s32": 4}  # bytes
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ByteOrder(str, Enum):
    """How 32-bit values and strings are laid out across 16-bit registers.

    lsb_first: register N holds the low word of a 32-bit value; each register carries the first
    character of its pair in its low byte (ComBox "LSB First", as the old SCP program assumed).
    msb_first: high word first, first character in the high byte (the Modbus convention).
    """

    LSB_FIRST = "lsb_first"
    MSB_FIRST = "msb_first"


FLAG_KINDS = ("fault", "warning", "state")


@dataclass(frozen=True, eq=False)  # identity: registers are table rows, hashed into sets and caches
class Register:
    name: str  # metric name, snake_case, says what it is
    address: int
    type: str  # u8 | s8 | u16 | s16 | u32 | s32 | str
    length: int = 0  # characters, for type "str" only (two per register)
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    enum: Mapping[int, str] | None = None  # raw value -> text
    bits: Mapping[int, str] | None = None  # bit number -> name of the flag when set
    # What a set flag of `bits` is: "fault", "warning" or "state" (a mode or a switch, e.g. "LCD light on",
    # "Grid to Load"): the page colours faults and warnings, never states. Required with `bits`.
    flags: str | None = None
    writable: bool = False
    min: float | None = None  # valid write range, in `unit` (inclusive)
    max: float | None = None
    setting: str | None = None  # short name for `solarctl set` (defaults to `name`)
    group: str = "fast"  # poll cadence: "fast" (every poll), "slow" (settings), "once" (identity)
    description: str = ""
    # Values of a writable setting that cut power to the loads (an inverter output switched off): a person
    # changing it from the page must confirm (the web API refuses it without `confirm`).
    cuts_power: tuple[str | float, ...] = ()
    # For u32 only: what one unit of the high register is worth. 65536 is a binary 32-bit number;
    # some devices count the low register up to a decimal limit and carry into the high one
    # (MUST energy counters: high x 1000 kWh + low x 0.1 kWh is base 10000 with scale 0.1).
    word_base: int = 0x10000

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"register name {self.name!r} is not snake_case")
        if (self.bits is not None) != (self.flags in FLAG_KINDS):
            raise ValueError(f"{self.name}: a bits register says what its flags are (flags = {' | '.join(FLAG_KINDS)}), "
                             "and only a bits register has flags")
        if self.type == "str":
            if self.length <= 0:
                raise ValueError(f"{self.name}: a string register needs a positive length")
        elif self.type not in SIZES:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")
        if self.word_base != 0x10000 and (self.type != "u32" or not 2 <= self.word_base < 0x10000):
            raise ValueError(f"{self.name}: word_base applies to u32 registers only, 2..65535")
        if not 0 <= self.address <= 0xFFFF or self.address + self.count - 1 > 0xFFFF:
            raise ValueError(f"{self.name}: address {self.address} out of the 16-bit range")
        if self.writable and self.type != "str" and self.enum is None and (self.min is None or self.max is None):
            raise ValueError(f"{self.name}: a writable number needs a valid range (min and max)")
        if self.group not in ("fast", "slow", "once"):
            raise ValueError(f"{self.name}: unknown poll group {self.group!r}")

    @property
    def size(self) -> int:
        """Number of bytes occupied."""
        return self.length if self.type == "str" else SIZES[self.type]

    @property
    def count(self) -> int:
        """Number of 16-bit registers occupied (an 8-bit field occupies its register's first byte)."""
        return (self.size + 1) // 2

    @property
    def end(self) -> int:
        """First address after this register (word-addressed maps; see RegisterMap.span)."""
        return self.address + self.count

    @property
    def setting_name(self) -> str:
        return self.setting or self.name


@dataclass(frozen=True, eq=False)  # identity hash: planned blocks are cached per map
class RegisterMap:
    """One device's registers, with the spans that must never be read."""

    name: str
    registers: tuple[Register, ...]
    forbidden: tuple[tuple[int, int], ...] = ()  # inclusive (first, last) address spans
    byte_order: ByteOrder = ByteOrder.MSB_FIRST  # default; a gateway setting may override it
    max_block: int = 125  # largest FC03 request this device accepts
    # Byte-addressed device (JK PB): a field's address is its block base + its byte offset, and a
    # read of N registers at address A returns the 2N bytes from A. Spans are then counted in bytes.
    byte_addressed: bool = False
    _by_name: dict[str, Register] = field(init=False, repr=False, compare=False)
    _by_setting: dict[str, Register] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Register] = {}
        by_setting: dict[str, Register] = {}
        previous: Register | None = None
        for reg in sorted(self.registers, key=lambda r: r.address):
            if reg.name in by_name:
                raise ValueError(f"{self.name}: duplicate register name {reg.name!r}")
            if previous is not None and reg.address < previous.address + self.span(previous):
                raise ValueError(f"{self.name}: {reg.name!r} overlaps {previous.name!r}")
            for first, last in self.forbidden:
                if reg.address <= last and reg.address + self.span(reg) - 1 >= first:
                    raise ValueError(f"{self.name}: {reg.name!r} lies in forbidden span {first}-{last}")
            by_name[reg.name] = reg
            if reg.writable:
                for key in {reg.name, reg.setting_name}:
                    by_setting[key] = reg
            previous = reg
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_by_setting", by_setting)

    def span(self, reg: Register) -> int:
        """Addresses `reg` occupies in this map."""
        return reg.size if self.byte_addressed else reg.count

    def __getitem__(self, name: str) -> Register:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Register]:
        return iter(self.registers)

    def group(self, *groups: str) -> list[Register]:
        return [r for r in self.registers if r.group in groups]

    def setting(self, name: str) -> Register | None:
        """The writable register called `name` (setting alias or metric name), if any."""
        return self._by_setting.get(name)

    def settings(self) -> list[Register]:
        return [r for r in self.registers if r.writable]

    def units(self) -> dict[str, str]:
        return {r.name: r.unit for r in self.registers if r.unit}
