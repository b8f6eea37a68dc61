"""A PI30 inverter (Voltronic Axpert family) on its own serial port, over the plant.

Answers QPIGS, QPIRI, QMOD, QPIWS, QFLAG, QPI, QID, QSID, QVFW from the plant's state now, and the setting commands
of devices/voltronic/settings.py: a value outside the setting's range, or a current the inverter does not offer,
gets (NAK and changes nothing, as does a request with a bad CRC or an unknown command. Output source priority,
charger source priority, the two charge currents and the cut-off voltage change the plant (PLANT_SETTINGS /
PLANT_FLAGS); the other settings are kept as written. Wire time at the configured rate (10 bits a byte) both
ways. Fault switches (`Pi30Faults`): `silent`, `delay_s`, `noise` (bytes before every answer), `unknown` (queries
answered with NAK, as firmware that lacks them does); `scaled` (misreads) applies to the plant view.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import ValidationError

from solarctl.bus.serial_link import wire_time
from solarctl.devices.voltronic import answers
from solarctl.devices.voltronic.fields import STATUS_2_BITS, STATUS_BITS
from solarctl.devices.voltronic.driver import live_values
from solarctl.devices.voltronic.frames import ACK, NAK, FrameError, decode_request, encode_answer
from solarctl.devices.voltronic.settings import COMMANDS, SETTINGS, command_for, parse_command
from solarctl.plant import ChargerState, InverterMode, Plant
from solarctl.registers import WriteRejected
from solarctl.registers.codec import check_write
from solarctl.sample import Value
from solarctl.sim.capability_plant import OUTPUT_PRIORITY
from solarctl.sim.faults import Faults
from solarctl.sim.plant_view import PlantView
from solarctl.sim.request_log import RequestLog
from solarctl.sim.serial_sim import SerialSimulator

MODE = {InverterMode.PASS_THROUGH: "L", InverterMode.CHARGING: "L", InverterMode.LOAD_SHAVE: "L",
        InverterMode.GRID_SUPPORT: "B", InverterMode.SELL: "B", InverterMode.OFF_GRID: "B",
        InverterMode.LOW_BATTERY_CUT_OUT: "F", InverterMode.STANDBY: "S"}
# What feeds the loads (POP): the plant's flows of each output priority, as every simulator has them.
OUTPUT_SOURCE: dict[str, dict[str, Any]] = {
    "Utility first": OUTPUT_PRIORITY["grid_first"], "Solar first": OUTPUT_PRIORITY["solar_first"],
    "SBU first": OUTPUT_PRIORITY["battery_first"],
}
# PCP: only "Only solar" keeps the utility from charging ("Solar first" lets it charge when PV is short).
PLANT_FLAGS: dict[str, Callable[[Value], dict[str, Any]]] = {
    "output_source_priority": lambda text: OUTPUT_SOURCE[str(text)],
    "charger_source_priority": lambda text: {"grid_charge": text != "Only solar"},
}
PLANT_SETTINGS = {"grid_charge_current": "grid_charge_current_a", "max_charge_current": "max_charge_current_a",
                  "battery_under_voltage": "lbco_voltage_v"}
BUS_VOLTAGE_V = 400
TURNAROUND_S = 0.01  # the inverter's think time before it answers (assumed)


def output_source(plant: Plant) -> str:
    s = plant.settings
    return "SBU first" if s.grid_support else "Solar first" if s.pv_to_load == "first" else "Utility first"


class Pi30Inverter:
    """The inverter's state: its answers' values from the plant, and the settings it keeps."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        if plant.settings.pv_to_load is None:  # the plant left it to the inverter: its output priority's own
            plant.settings.pv_to_load = OUTPUT_SOURCE[output_source(plant)]["pv_to_load"]
        inv, s = plant.config.inverter, plant.settings
        self.kept: dict[str, Any] = {
            "grid_rating_voltage": 230.0, "grid_rating_current": 21.7, "output_rating_voltage": 230.0,
            "output_rating_frequency": 50.0, "output_rating_current": 21.7,
            "output_rating_apparent_power": round(inv.rated_w), "output_rating_power": round(inv.rated_w),
            "battery_rating_voltage": 48.0, "battery_recharge_voltage": 46.0, "battery_bulk_voltage": inv.absorption_voltage_v,
            "battery_float_voltage": inv.float_voltage_v, "battery_type": "User", "input_voltage_range": "UPS",
            "parallel_max_units": 9, "machine_type": "Off grid", "topology": "transformerless",
            "output_mode": "single machine", "battery_redischarge_voltage": 54.0, "pv_ok_condition": "one unit with PV",
            "pv_power_balance": "PV for charging and loads",
            "charger_source_priority": "Solar + Utility" if s.grid_charge else "Only solar",
        }
        self.flags = {"buzzer": True, "overload_bypass": False, "power_saving": False, "lcd_return_to_default": True,
                      "overload_restart": False, "over_temperature_restart": False, "lcd_backlight": True,
                      "primary_source_interrupt_alarm": True, "fault_code_record": False}

    def qpiri(self) -> dict[str, Any]:
        s = self.plant.settings
        return {**self.kept, "output_source_priority": output_source(self.plant),
                "grid_charge_current": round(s.grid_charge_current_a), "max_charge_current": round(s.max_charge_current_a),
                "battery_under_voltage": s.lbco_voltage_v}

    def qpigs(self) -> dict[str, Any]:
        plant = self.plant
        inv, bat, grid = plant.inverter, plant.battery, plant.grid
        pv_w = sum(a.output_w for a in plant.pv)
        grid_ok = grid.available and plant.settings.grid_connected
        load_w = plant.load_served_w
        charging = inv.charger_state != ChargerState.NOT_CHARGING and bat.current_a > 0
        status = {name for name, on in (("load on", load_w > 0), ("charging", bat.current_a > 0.5),
                                        ("SCC charging", pv_w > 0 and charging),
                                        ("AC charging", grid_ok and bat.current_a > 0.5 and MODE.get(inv.mode) == "L"))
                  if on}
        return {
            "grid_voltage": grid.voltage_v if grid_ok else 0.0, "grid_frequency": grid.frequency_hz if grid_ok else 0.0,
            "output_voltage": inv.ac_voltage_v, "output_frequency": inv.ac_frequency_hz,
            "output_apparent_power": round(load_w / 0.9), "load_power": round(load_w),
            "load_percent": round(100 * load_w / plant.config.inverter.rated_w), "bus_voltage": BUS_VOLTAGE_V,
            "battery_voltage": bat.voltage_v, "battery_charge_current": round(max(bat.current_a, 0.0)),
            "battery_soc": round(bat.soc_pct), "heat_sink_temperature": round(plant.air_temp_c + 10 + load_w / 250),
            "pv_current": round(sum(a.output_w / max(a.voltage_v, 1.0) for a in plant.pv)),
            "pv_voltage": max((a.voltage_v for a in plant.pv), default=0.0),
            "scc_battery_voltage": bat.voltage_v if pv_w > 0 else 0.0,
            "battery_discharge_current": round(max(-bat.current_a, 0.0)),
            "status": answers.render_bits(STATUS_BITS, status, 8), "fan_voltage_offset": 0.0,
            "eeprom_version": 0, "pv_power": round(pv_w), "status_2": answers.render_bits(
                STATUS_2_BITS, {"switched on"} | ({"charging to float"} if inv.charger_state == ChargerState.FLOAT else set()), 3),
        }

    def qmod(self) -> str:
        return MODE.get(self.plant.inverter.mode, "L")

    def qpiws(self) -> str:
        inv, s, bat = self.plant.inverter, self.plant.settings, self.plant.battery
        grid_ok = self.plant.grid.available and s.grid_connected
        warnings = {name for name, on in (("line fail", not grid_ok), ("battery under shutdown", inv.lbco_active),
                                          ("battery low alarm", bat.voltage_v < s.lbco_voltage_v + 2.0)) if on}
        return answers.render_qpiws(set(), warnings)

    def set(self, text: str) -> bool:
        """Carry out a setting command; False (NAK) if it is none, or its value is not one the inverter takes."""
        parsed = parse_command(text)
        if parsed is None:
            return False
        reg, value = parsed
        allowed = COMMANDS[reg.name].allowed
        try:
            value = check_write(reg, value)
            if allowed and value not in allowed:
                return False
            if reg.name in PLANT_SETTINGS:
                setattr(self.plant.settings, PLANT_SETTINGS[reg.name], float(value))  # type: ignore[arg-type]
                return True
            if reg.name in PLANT_FLAGS:
                for setting, flag in PLANT_FLAGS[reg.name](value).items():
                    setattr(self.plant.settings, setting, flag)
        except (WriteRejected, ValidationError):
            return False
        if reg.name != "output_source_priority":  # the plant holds that one: read back from there
            self.kept[reg.name] = value
        return True

    def answer(self, command: str) -> str:
        queries: dict[str, Callable[[], str]] = {
            "QPIGS": lambda: answers.render_qpigs(self.qpigs()), "QPIRI": lambda: answers.render_qpiri(self.qpiri()),
            "QMOD": self.qmod, "QPIWS": self.qpiws, "QFLAG": lambda: answers.render_qflag(self.flags),
            "QPI": lambda: "PI30", "QID": lambda: "92932105105315", "QVFW": lambda: "VERFW:00072.70",
            "QSID": lambda: "1492932105105315",
        }
        if command in queries:
            return queries[command]()
        return ACK if self.set(command) else NAK


@dataclass
class Pi30Faults(Faults):
    unknown: set[str] = field(default_factory=set)  # commands this firmware answers with NAK

    def clear(self) -> None:
        super().clear()
        self.unknown.clear()


class VoltronicSimulator(SerialSimulator):
    def __init__(self, path: str, baudrate: int, plant: Plant, faults: Pi30Faults | None = None) -> None:
        super().__init__(path, baudrate)
        self.inverter = Pi30Inverter(plant)
        self.faults = faults or Pi30Faults()
        self.requests = RequestLog(0)  # `solarctl sim --request-log` sets its file: every command received

    async def _serve(self) -> None:
        while True:
            while (end := self.port.peek().find(b"\r")) < 0:
                await self.port.wait_for_bytes(len(self.port.peek()) + 1)
            frame = self.port.take(end + 1)
            await asyncio.sleep(wire_time(len(frame), self.baudrate))
            if self.faults.silent:
                continue
            try:
                command = decode_request(frame)
            except FrameError:
                command = None
            self.requests.note(f"port={self.port.path} command={command!r}")
            text = NAK if command is None or command in self.faults.unknown else self.inverter.answer(command)
            answer = self.faults.noise + encode_answer(text)
            await asyncio.sleep(TURNAROUND_S + self.faults.delay_s + wire_time(len(answer), self.baudrate))
            self.port.write(answer)


def voltronic_port(config: Any, plant: Plant, index: int, path: str) -> VoltronicSimulator:
    return VoltronicSimulator(path, config.baudrate, plant)


def plant_view(config: Any, plant: Plant, index: int) -> PlantView:
    """What a poll publishes, from the answers the simulator would give (no wire, no CRC)."""
    inverter = Pi30Inverter(plant)

    def values() -> dict[str, Any]:
        found = live_values(answers.qpigs(answers.render_qpigs(inverter.qpigs())), answers.qmod(inverter.qmod()),
                            answers.qpiws(inverter.qpiws()))
        return {**found, **answers.qpiri(answers.render_qpiri(inverter.qpiri())), **inverter.flags}

    def write(metric: str, value: Value) -> None:
        reg = SETTINGS.setting(metric)
        if reg is None:
            raise WriteRejected(f"a PI30 inverter has no setting {metric!r}")
        if not inverter.set(command_for(reg, value)):
            raise WriteRejected(f"the inverter refuses {metric} = {value}")

    return PlantView(values, write)
