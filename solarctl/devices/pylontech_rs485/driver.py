"""Driver `pylontech_rs485`: a Pylontech stack read over the RS485 port of its master (the `~` protocol).

Every poll: analog values of every module (0x42, asked for all at the master's address `unit`) and each
module's alarm states (0x44 at its own address: `unit`, `unit` + 1, ...). Slow cadence: system parameters
(0x47) and each module's charge/discharge request (0x92). Once: protocol version (0x4F), manufacturer
(0x51), each module's serial number (0x93). Values read on the slow and once cadences are kept and
published with every poll. Stack values as the console driver gives them: voltage the modules' mean,
current their sum, SoC their charge over their capacity.
"""

from __future__ import annotations

from typing import Any

from solarctl.bus.serial_link import SerialLink
from solarctl.bus.serial_port import PortBytes
from solarctl.devices.base import Device, Reading
from solarctl.devices.pylontech_rs485 import answers, wire
from solarctl.devices.pylontech_rs485.describe import PylontechRs485Config
from solarctl.devices.pylontech_rs485.frames import BATTERY, Frame, encode

VERSIONS = {"2.0": 0x20, "3.5": 0x35}
UNITS = {
    "soc": "%", "voltage": "V", "current": "A", "power": "W", "temperature": "°C", "cell_voltage_min": "V",
    "cell_voltage_max": "V", "capacity": "Ah", "remaining_charge": "Ah", "cell_voltages": "V",
    "cell_temperatures": "°C", "charge_voltage_limit": "V", "discharge_voltage_limit": "V",
    "charge_current_limit": "A", "discharge_current_limit": "A",
    **{name: "V" for name in ("cell_voltage_high_limit", "cell_voltage_low_limit", "cell_voltage_under_limit",
                              "module_voltage_high_limit", "module_voltage_low_limit", "module_voltage_under_limit")},
    **{name: "°C" for name in ("charge_temperature_high_limit", "charge_temperature_low_limit",
                               "discharge_temperature_high_limit", "discharge_temperature_low_limit")},
}
SYSTEM_KEYS = ("cell_voltage_high_limit", "cell_voltage_low_limit", "cell_voltage_under_limit",
               "charge_temperature_high_limit", "charge_temperature_low_limit", "module_voltage_high_limit",
               "module_voltage_low_limit", "module_voltage_under_limit", "discharge_temperature_high_limit",
               "discharge_temperature_low_limit")
MODULE_LIMITS = ("charge_voltage_limit", "discharge_voltage_limit", "charge_current_limit", "discharge_current_limit",
                 "charge_enable", "discharge_enable", "full_charge_request")


class PylontechRs485(Device[SerialLink]):
    driver = "pylontech_rs485"
    link_kind = "modbus_rtu"  # the shared RS485 serial link; these frames go through exchange_on_port
    min_gap = 0.05

    def __init__(self, config: PylontechRs485Config) -> None:
        super().__init__(config)
        self.unit: int = config.unit
        self.version: int = VERSIONS[config.version]
        self._kept: dict[str, Any] = {}  # slow and once values, published with every poll
        self._module_kept: dict[int, dict[str, Any]] = {}

    @property
    def units(self) -> dict[str, str]:
        return dict(UNITS)

    async def _ask(self, link: SerialLink, address: int, cid2: int, info: bytes = b"") -> Frame:
        request = encode(self.version, address, BATTERY, cid2, info)

        async def job(port: PortBytes) -> Frame:
            return await wire.exchange(port, request, self.timeout)

        return await link.exchange_on_port(job, what=f"Pylontech address {address} CID2 {cid2:#04x}",
                                           timeout=self.timeout, health=self.health)

    async def read(self, link: SerialLink, groups: frozenset[str]) -> Reading:
        analog = answers.analog((await self._ask(link, self.unit, answers.ANALOG, bytes([answers.ALL]))).info)
        addresses = [self.unit + i for i in range(analog["module_count"])]
        if "once" in groups:
            version = await self._ask(link, self.unit, answers.PROTOCOL_VERSION)
            maker = answers.manufacturer((await self._ask(link, self.unit, answers.MANUFACTURER)).info)
            self._kept.update(protocol_version=f"{version.version >> 4}.{version.version & 0xF}",
                              device_name=maker["device_name"], software_version=maker["software_version"],
                              manufacturer=maker["manufacturer"])
            for address in addresses:
                serial = answers.serial_number((await self._ask(link, address, answers.SERIAL, bytes([address]))).info)
                self._module_kept.setdefault(address, {})["serial_number"] = serial["serial_number"]
        if "slow" in groups or "once" in groups:
            system = answers.system_parameters((await self._ask(link, self.unit, answers.SYSTEM_PARAMETERS)).info)
            self._kept.update({key: system[key] for key in SYSTEM_KEYS})
            for address in addresses:
                limits = answers.management((await self._ask(link, address, answers.MANAGEMENT, bytes([address]))).info)
                self._module_kept.setdefault(address, {}).update({key: limits[key] for key in MODULE_LIMITS})
        alarms: list[str] = []
        for module, address in zip(analog["modules"], addresses):
            states = answers.alarm((await self._ask(link, address, answers.ALARM, bytes([address]))).info)
            alarms += [f"module {module['index']}: {alarm}" for alarm in states["alarms"]]
            module.update(self._module_kept.get(address, {}))
        values = {key: analog[key] for key in ("soc", "voltage", "current", "temperature", "cell_voltage_min",
                                               "cell_voltage_max", "capacity", "module_count", "modules")}
        values["power"] = round(sum(m["voltage"] * m["current"] for m in analog["modules"]), 1)
        return Reading({**values, **self._kept}, tuple(alarms))
