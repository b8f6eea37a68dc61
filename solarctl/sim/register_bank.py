"""A simulated unit backed by a register table: reads encode live values, writes decode and apply.

The same RegisterMap the driver decodes with is used here to encode, so tests also check the
simulator's raw registers against the vendor map with an independent client (mbpoll).
"""

from __future__ import annotations

from typing import Callable, Sequence

from solarctl.modbus.pdu import ModbusException, READ_HOLDING, WRITE_MULTIPLE
from solarctl.registers import ByteOrder, RegisterMap, WriteRejected, decode, encode
from solarctl.sample import Value

ILLEGAL_ADDRESS = 0x02
ILLEGAL_VALUE = 0x03


class RegisterBank:
    def __init__(self, register_map: RegisterMap, byte_order: ByteOrder,
                 values: Callable[[], dict[str, Value]], on_write: Callable[[str, Value], None],
                 *, strict: bool = False) -> None:
        self.map = register_map
        self.byte_order = byte_order
        self.values = values  # current value of every register, by name
        self.on_write = on_write  # apply a written setting (to the plant)
        self.strict = strict  # refuse reads that touch unmapped registers, as some firmware does
        self._at = {a: r for r in register_map for a in range(r.address, r.end)}
        self._top = max(r.end for r in register_map)

    def read(self, address: int, count: int) -> list[int]:
        if address + count > self._top or (self.strict and any(a not in self._at for a in range(address, address + count))):
            raise ModbusException(READ_HOLDING, ILLEGAL_ADDRESS)
        values = self.values()
        words = [0] * count
        for reg in {self._at[a] for a in range(address, address + count) if a in self._at}:
            encoded = encode(reg, values.get(reg.name, 0 if reg.type != "str" else ""), self.byte_order)
            for i, word in enumerate(encoded):
                if address <= reg.address + i < address + count:
                    words[reg.address + i - address] = word
        return words

    def write(self, address: int, values: Sequence[int]) -> None:
        function = WRITE_MULTIPLE if len(values) > 1 else 0x06
        reg = self._at.get(address)
        if reg is None or not reg.writable or reg.address != address:
            raise ModbusException(function, ILLEGAL_ADDRESS)
        if len(values) != reg.count:
            # 32-bit values must be written whole (ComBox manual p. 3-26).
            raise ModbusException(function, ILLEGAL_VALUE)
        value = decode(reg, values, self.byte_order)
        try:
            encode(reg, value, self.byte_order)  # e.g. an enum code the device does not know
        except WriteRejected:
            # Like the real device ("Modbus does not provide an error response when data written is
            # out of range"): keep the old value; only a read-back shows the write did not take.
            return
        self.on_write(reg.name, value)
