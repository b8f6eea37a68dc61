"""JK PB BMS driver (PB2A17S-20P family): one pack at one RS485 address, in the protocol its config
names (`protocol`: modbus, 55aa or 4e57; see protocols.py).

Several packs share one port: each pack is a device, the port's link serialises their requests
and keeps the >= 120 ms of silence JK PB needs between frames, and a pack that does not answer
fails its own polls only. With `average` > 1 a poll reads the live values that many times and
publishes the mean voltage and current (the old jkbms_ctrl.py averaged up to 7 reads); the other
values are the last read's. A failed read after the first good one ends the series early.
"""

from __future__ import annotations

from solarctl.bus.errors import LinkError
from solarctl.bus.serial_link import ModbusRtuLink
from solarctl.devices.base import Device, Reading, listed_alarms
from solarctl.devices.jk import proto4e57
from solarctl.devices.jk.describe import JkPbConfig
from solarctl.devices.jk.battery import power
from solarctl.devices.jk.protocols import PROTOCOLS, Pack
from solarctl.devices.jk.registers import JK_PB
from solarctl.errors import DecodeError
from solarctl.modbus.pdu import ModbusException
from solarctl.registers import Register
from solarctl.sample import Value

AVERAGED = ("voltage", "current")
UNITS = {
    **{f.name: f.unit for f in proto4e57.FIELDS.values() if f.unit},
    **JK_PB.units(),
    "power": "W", "temperature": "°C", "temperatures": "°C", "cell_voltages": "V", "cell_voltage_min": "V",
    "cell_voltage_max": "V", "cell_voltage_delta": "V", "capacity_remaining": "Ah", "capacity_full": "Ah",
}


def averaged(samples: list[dict[str, Value]]) -> dict[str, Value]:
    """The last sample, with voltage and current the mean of all samples (power follows them)."""
    values = dict(samples[-1])
    for key in AVERAGED:
        numbers = [s[key] for s in samples if isinstance(s.get(key), (int, float))]
        if numbers:
            values[key] = round(sum(numbers) / len(numbers), 3)  # type: ignore[arg-type]
    if isinstance(values.get("voltage"), (int, float)) and isinstance(values.get("current"), (int, float)):
        values["power"] = power(values["voltage"], values["current"])  # type: ignore[arg-type]
    values["averaged_reads"] = len(samples)
    return values


class JkPb(Device[ModbusRtuLink]):
    driver = "jk_pb"
    link_kind = "modbus_rtu"
    min_gap = 0.12  # JK PB needs >= 120 ms between frames on its bus

    def __init__(self, config: JkPbConfig) -> None:
        super().__init__(config)
        self.unit: int = config.unit
        self.average: int = config.average
        self.protocol = PROTOCOLS[config.protocol](Pack(self.unit, self.timeout, self.health))

    @property
    def units(self) -> dict[str, str]:
        return UNITS

    async def read(self, link: ModbusRtuLink, groups: frozenset[str]) -> Reading:
        samples = [await self.protocol.live(link)]
        while len(samples) < self.average:
            try:
                samples.append(await self.protocol.live(link))
            except (LinkError, ModbusException, DecodeError):
                break  # counted in health; average what came back
        values = averaged(samples)
        values.update(await self.protocol.extra(link, groups))
        return Reading(values, listed_alarms(values))

    def settings(self) -> list[Register]:
        return list(self.protocol.settings)

    def setting(self, name: str) -> Register | None:
        return next((r for r in self.protocol.settings if name in (r.name, r.setting_name)), None)

    async def read_setting(self, link: ModbusRtuLink, reg: Register) -> Value:
        return await self.protocol.read_setting(link, reg)

    async def serial_number(self, link: ModbusRtuLink) -> str | None:
        return await self.protocol.serial_number(link)

    async def write_setting(self, link: ModbusRtuLink, reg: Register, value: Value) -> None:
        await self.protocol.write_setting(link, reg, value)
