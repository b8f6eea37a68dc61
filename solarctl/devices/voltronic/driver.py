"""Driver `voltronic`: a PI30 inverter (Voltronic Axpert and its rebrands: MPP Solar PIP, EASUN ISolar, ...) on a
serial port of its own (RS232, or a USB-serial adapter; 2400 baud).

Every poll: QPIGS (live values), QMOD (mode) and QPIWS (faults and warnings). Slow cadence, and the poll after a
verified write: QPIRI (ratings and settings) and QFLAG (switches). Once: QPI (protocol id), QVFW (firmware) and
QID (serial number; QSID on firmware that NAKs QID). Values read on the slow and once cadences are kept and
published with every poll. A setting is read back from QPIRI and written with its own command (settings.py);
a NAK is a refused write. Some firmware NAKs QFLAG or QVFW: those are then left out, and not asked again until
the driver restarts; a NAK to any other query fails the poll.
"""

from __future__ import annotations

from typing import Any

from solarctl.bus.errors import BadFrame, NotSent
from solarctl.bus.link import Link
from solarctl.bus.serial_link import SerialLink
from solarctl.bus.serial_port import PortBytes
from solarctl.devices.base import Device, Reading
from solarctl.devices.voltronic import answers, wire
from solarctl.devices.voltronic.describe import VOLTRONIC
from solarctl.devices.voltronic.frames import ACK, NAK
from solarctl.devices.voltronic.settings import SETTINGS, command_for
from solarctl.registers import Register, WriteRejected
from solarctl.sample import Value


def grid_power(values: dict[str, Any]) -> float:
    """Utility power, which PI30 does not report: in Line mode what the loads and the charger take beyond PV
    (the inverter's own losses included, so it is an estimate), 0 otherwise. These inverters never export."""
    if not values.get("on_grid"):
        return 0.0
    balance = float(values["load_power"]) + float(values["battery_power"]) - float(values["pv_power"])
    return round(max(0.0, balance), 1)


def live_values(status: dict[str, Any], mode: dict[str, Any], warnings: dict[str, Any]) -> dict[str, Any]:
    """What a poll publishes from QPIGS, QMOD and QPIWS (the simulator's plant view uses it too)."""
    values = {**status, **mode, **warnings}
    values["grid_power"] = grid_power(values)
    return values


OPTIONAL = frozenset({"QFLAG", "QVFW"})  # queries some firmware does not know


class Voltronic(Device):
    driver = "voltronic"
    link_kind = "modbus_rtu"  # a serial link; PI30 frames go through exchange_on_port
    min_gap = 0.05

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self._kept: dict[str, Any] = {}  # slow and once values, published with every poll
        self._unknown: set[str] = set()  # optional queries this inverter answered with NAK

    @property
    def units(self) -> dict[str, str]:
        return VOLTRONIC.units()

    async def ask(self, link: Link, command: str) -> str:
        """The answer's text; NAK included."""
        assert isinstance(link, SerialLink)

        async def job(port: PortBytes) -> str:
            return await wire.exchange(port, command, self.timeout)

        return await link.exchange_on_port(job, what=f"PI30 {command}", timeout=self.timeout, health=self.health)

    async def query(self, link: Link, command: str) -> dict[str, Any]:
        if command in self._unknown:
            return {}
        text = await self.ask(link, command)
        if text == NAK and command in OPTIONAL:
            self._unknown.add(command)
            return {}
        if text == NAK:
            raise BadFrame(f"the inverter answered {command} with NAK")
        return answers.PARSERS[command](text)

    async def read(self, link: Link, groups: frozenset[str]) -> Reading:
        if "once" in groups:
            self._kept.update(await self.query(link, "QPI"))
            self._kept.update(await self.query(link, "QVFW"))
            self._kept.update(await self._serial(link))
        if groups & {"slow", "once"} or self.settings_written:
            self._kept.update(await self.query(link, "QPIRI"))
            self._kept.update(await self.query(link, "QFLAG"))
            self.settings_written = False
        values = live_values(await self.query(link, "QPIGS"), await self.query(link, "QMOD"),
                             await self.query(link, "QPIWS"))
        return Reading({**values, **self._kept}, tuple(values["faults"] + values["warnings"]))

    async def _serial(self, link: Link) -> dict[str, Any]:
        text = await self.ask(link, "QID")
        return answers.qid(text) if text != NAK else await self.query(link, "QSID")

    async def serial_number(self, link: Link) -> str | None:
        if "serial_number" not in self._kept:
            self._kept.update(await self._serial(link))
        return str(self._kept["serial_number"])

    def settings(self) -> list[Register]:
        return SETTINGS.settings()

    def setting(self, name: str) -> Register | None:
        return SETTINGS.setting(name)

    async def read_setting(self, link: Link, reg: Register) -> Value:
        value: Value = (await self.query(link, "QPIRI"))[reg.name]
        return value

    async def write_setting(self, link: Link, reg: Register, value: Value) -> None:
        try:
            command = command_for(reg, value)
        except WriteRejected as exc:
            raise NotSent(str(exc)) from None  # refused before anything went out: the budget gets its slot back
        answer = await self.ask(link, command)
        if answer != ACK:
            raise WriteRejected(f"the inverter answered {command} with {answer}")
