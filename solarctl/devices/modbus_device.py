"""A device whose driver is a register table: reads planned into few blocks, decoded by the one codec."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from solarctl.bus.link import Link
from solarctl.devices.base import Device, Reading
from solarctl.modbus.pdu import ModbusException, read_request, write_multiple_request, write_single_request
from solarctl.registers import Block, ByteOrder, Register, RegisterMap, decode, encode, plan_blocks, plan_map
from solarctl.sample import Value

log = logging.getLogger("solarctl.devices")
ILLEGAL_DATA_ADDRESS = 0x02


class ModbusDevice(Device[Link]):
    register_map: RegisterMap  # set by each driver class

    def __init__(self, config: Any) -> None:  # a ModbusTcpDevice or SerialDevice with a unit
        super().__init__(config)
        self.unit: int = config.unit
        self.byte_order: ByteOrder = getattr(config, "byte_order", None) or self.register_map.byte_order
        self.max_gap: int = getattr(config, "max_gap", 8)

    @property
    def units(self) -> dict[str, str]:
        return self.register_map.units()

    def blocks(self, groups: frozenset[str]) -> list[Block]:
        return _plan(self.register_map, groups, self.max_gap)

    async def read(self, link: Link, groups: frozenset[str]) -> Reading:
        values: dict[str, Value] = {}
        for block in self.blocks(groups):
            values.update(await self._read_block(link, block))
        return Reading(self.derive(values))

    async def _read_block(self, link: Link, block: Block) -> dict[str, Value]:
        try:
            words = await link.transact(self.unit, read_request(block.start, block.count),
                                        timeout=self.timeout, health=self.health)
        except ModbusException as exc:
            spans_gaps = block.count > sum(r.count for r in block.registers)
            if exc.code != ILLEGAL_DATA_ADDRESS or not spans_gaps:
                raise
            # Some firmware refuses reads that touch unmapped registers: read mapped ones only, from now on.
            log.warning("%s: device refused a %d-register read at %#06x (illegal data address); "
                        "reading mapped registers only from now on", self.name, block.count, block.start)
            self.max_gap = 0
            values: dict[str, Value] = {}
            for piece in plan_blocks(block.registers, max_gap=0, max_count=self.register_map.max_block,
                                     byte_addressed=self.register_map.byte_addressed):
                values.update(await self._read_block(link, piece))
            return values
        return block.decode(words, self.byte_order)

    def derive(self, values: dict[str, Value]) -> dict[str, Value]:
        """Values computed from others (drivers override); the default adds nothing."""
        return values

    async def serial_number(self, link: Link) -> str | None:
        if "serial_number" not in self.register_map:
            return None
        return str(await self.read_setting(link, self.register_map["serial_number"]))

    # --- settings ---------------------------------------------------------------------------
    def settings(self) -> list[Register]:
        return self.register_map.settings()

    def setting(self, name: str) -> Register | None:
        return self.register_map.setting(name)

    async def read_setting(self, link: Link, reg: Register) -> Value:
        words = await link.transact(self.unit, read_request(reg.address, reg.count), timeout=self.timeout, health=self.health)
        return decode(reg, words, self.byte_order)

    async def write_setting(self, link: Link, reg: Register, value: Value) -> None:
        words = encode(reg, value, self.byte_order)
        # 32-bit values must be written as both words in one FC16 (ComBox manual p. 3-26).
        request = write_single_request(reg.address, words[0]) if len(words) == 1 else write_multiple_request(reg.address, words)
        await link.transact(self.unit, request, timeout=self.timeout, health=self.health)


@lru_cache(maxsize=None)
def _plan(register_map: RegisterMap, groups: frozenset[str], max_gap: int) -> list[Block]:
    return plan_map(register_map, *sorted(groups), max_gap=max_gap)
