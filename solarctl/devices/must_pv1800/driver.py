"""MUST PV1800 driver: Modbus RTU slave 4, FC03 reads, FC06 writes of the map's settings.

Every poll and every setting access starts by reading 20000-20001 and refuses a device that is
not a PV1800 (identity.py); then a poll reads the planned blocks of the map, which never touch
the forbidden spans, and derives the final values (derived.py).
"""

from __future__ import annotations

from solarctl.bus.link import Link
from solarctl.devices.base import Reading, listed_alarms
from solarctl.devices.modbus_device import ModbusDevice
from solarctl.devices.must_pv1800.describe import MustPv1800Config
from solarctl.devices.must_pv1800.derived import derive
from solarctl.devices.must_pv1800.identity import identify
from solarctl.devices.must_pv1800.registers import PV1800
from solarctl.modbus.pdu import read_request
from solarctl.registers import Register, WriteRejected
from solarctl.sample import Value

IDENTITY = PV1800["machine_type"].address  # 20000, with 20001 after it


class MustPv1800(ModbusDevice):
    driver = "must_pv1800"
    link_kind = "modbus_rtu"
    register_map = PV1800
    # Modbus RTU needs 3.5 characters of silence between frames (2 ms at 19200 baud); 5 ms leaves
    # room for USB adapters that turn the line around late.
    min_gap = 0.005
    # Calibration coefficients cannot be restored once overwritten (ha-must-inverter): whatever a
    # caller asks, these are never written. (inclusive spans)
    never_written = ((20009, 20016), (10006, 10008))

    def __init__(self, config: MustPv1800Config) -> None:
        super().__init__(config)
        # 10 unmapped registers (20133-20141) may be read through: 20101-20144 is then one request.
        self.max_gap = 10

    async def identify(self, link: Link) -> str:
        """Read 20000-20001 and return the model; raises NotPV1800. Every poll and every setting
        access starts with it: an inverter that a forbidden read has shut down reads all zeros,
        and a swapped device must not be written to, so neither is ever taken on trust."""
        words = await link.transact(self.unit, read_request(IDENTITY, 2), timeout=self.timeout, health=self.health)
        return identify(words)

    async def read(self, link: Link, groups: frozenset[str]) -> Reading:
        model = await self.identify(link)
        reading = await super().read(link, groups)
        values = {"model": model, **reading.values}
        return Reading(values, listed_alarms(values))

    def derive(self, values: dict[str, Value]) -> dict[str, Value]:
        return derive(values)

    async def read_setting(self, link: Link, reg: Register) -> Value:
        await self.identify(link)
        return await super().read_setting(link, reg)

    async def write_setting(self, link: Link, reg: Register, value: Value) -> None:
        if any(first <= reg.address <= last for first, last in self.never_written):
            raise WriteRejected(f"{reg.name} ({reg.address}) is a calibration register and is never written")
        await self.identify(link)
        await super().write_setting(link, reg, value)
