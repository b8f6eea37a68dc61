"""The MUST PV1800 as an RS485 slave over the plant: the vendor map, live values, writes that change it.

Values come from the plant on every read. Writing 20105 = 0 takes the plant off the grid, 20113
limits export, 20125 grid charging, and so on (PLANT_SETTINGS); the settings the plant does not
model are kept as written. Two firmware quirks are reproduced because drivers must cope with them:
PGrid (25214) reads 0 while exporting, and a read that touches 20016-20100 or 10009-10100 shuts
the inverter down (ha-must-inverter) - from then on its output is off and every register reads 0.
"""

from __future__ import annotations

import logging
import math
from typing import Callable

from pydantic import ValidationError

from solarctl.devices.must_pv1800.registers import PV1800, WORK_STATES
from solarctl.plant import ChargerState, InverterMode, Plant
from solarctl.registers import ByteOrder, WriteRejected
from solarctl.registers.codec import check_write
from solarctl.sample import Value
from solarctl.sim.capability_plant import OUTPUT_PRIORITY
from solarctl.sim.plant_view import PlantView, of_bank
from solarctl.sim.register_bank import RegisterBank
from solarctl.sim.rtu_server import ModbusUnit

log = logging.getLogger("solarctl.sim")

WORK_STATE = {
    InverterMode.PASS_THROUGH: 4, InverterMode.CHARGING: 6, InverterMode.GRID_SUPPORT: 3, InverterMode.SELL: 3,
    InverterMode.LOAD_SHAVE: 3, InverterMode.OFF_GRID: 2, InverterMode.STANDBY: 5,
}
CHARGING_STATE = {ChargerState.NOT_CHARGING: "Stop", ChargerState.BULK: "Absorb", ChargerState.ABSORPTION: "Absorb",
                  ChargerState.FLOAT: "Float"}
POWER_FACTOR = {"grid": 0.97, "load": 0.9, "inverter": 0.95}
BUS_VOLTAGE_V = 385.0
RATED_W = 5000


def _on(text: Value) -> bool:
    return text in ("on", "on-grid")


# Register -> (plant setting, register value -> plant value, plant value -> register value).
PLANT_SETTINGS: dict[str, tuple[str, Callable, Callable]] = {
    "grid_connection": ("grid_connected", _on, lambda on: "on-grid" if on else "off-grid"),
    "discharge_to_grid": ("discharge_to_grid", _on, lambda on: "on" if on else "off"),
    "output_voltage": ("output_voltage_v", float, float),
    "output_frequency": ("output_frequency_hz", lambda text: float(str(text).split()[0]), lambda hz: f"{hz:g} Hz"),
    "max_discharge_current": ("max_sell_amps", float, float),
    "grid_max_charge_current": ("grid_charge_current_a", float, float),
    "max_charge_current": ("max_charge_current_a", float, float),
    "battery_low_voltage": ("lbco_voltage_v", float, float),
}
# Registers whose choices the plant sees only as flags: the register keeps the text written, the plant gets
# the flags, those of the output priority each mode is (sim/capability_plant.py; SOL counts as solar first).
ENERGY_USE = {"SBU": OUTPUT_PRIORITY["battery_first"], "SUB": OUTPUT_PRIORITY["solar_first"],
              "SOL": OUTPUT_PRIORITY["solar_first"], "UTI": OUTPUT_PRIORITY["grid_first"]}
PLANT_FLAGS: dict[str, Callable[[Value], dict]] = {
    "energy_use_mode": lambda text: ENERGY_USE.get(text, ENERGY_USE["UTI"]),
    "charger_source_priority": lambda text: {"grid_charge": text != "Only Solar"},
}


def energy_use_mode(s) -> str:
    """The PV1800 energy-use mode the plant's settings amount to."""
    return "SBU" if s.grid_support else "SUB" if s.pv_to_load == "first" else "UTI"


def initial_settings(plant: Plant) -> dict[str, Value]:
    """What the inverter holds for the settings the plant does not model (and the flag texts)."""
    s, inv = plant.settings, plant.config.inverter
    return {
        "machine_type": "PV", "machine_rating": 1800, "serial_number": 0x18504802, "hardware_version": 10001,
        "software_version": 10312, "protocol_version": 10415,
        **dict.fromkeys(("battery_voltage_calibration", "inverter_voltage_calibration", "grid_voltage_calibration",
                         "bus_voltage_calibration", "control_current_calibration", "inverter_current_calibration",
                         "grid_current_calibration", "pv_voltage_calibration", "charger_battery_voltage_calibration",
                         "charger_current_calibration"), 16384),
        "charger_machine_type": 1600, "charger_serial_number": 0x18504803, "charger_hardware_version": 10001,
        "charger_software_version": 10205,
        "offgrid_output": "on", "search_mode": "off", "grid_protect_standard": "UPS", "solar_use_aim": "BLU",
        "energy_use_mode": energy_use_mode(s),
        "charger_source_priority": "Solar and Utility" if s.grid_charge else "Only Solar",
        "battery_stop_discharge_voltage": 46.0, "battery_stop_charge_voltage": 54.0, "battery_high_voltage": 60.0,
        "system_setting": ["LcdLightEnable"], "solar_power_balance": "SBE",
        "float_voltage": inv.float_voltage_v, "absorption_voltage": inv.absorption_voltage_v,
        "charger_battery_low_voltage": 40.0, "charger_battery_high_voltage": 60.0, "pv_max_charge_current": 80.0,
        "battery_type": "lithium", "battery_capacity": round(plant.battery.nominal_capacity_ah),
        "equalization": "off", "equalization_voltage": 58.4, "equalization_time": 150 * 60,
        "equalization_timeout": 150 * 60, "equalization_interval": 30 * 86400,
        "ac_voltage_grade": 230, "rated_apparent_power": RATED_W, "parallel_max_number": 1, "parallel_combine_type": 0,
        "parallel_number": 0, "inverter_serial_number": 0x18504802, "inverter_hardware_version": 10001,
        "inverter_software_version": 10312, "battery_voltage_grade": 48, "rated_power": RATED_W,
        "inverter_protocol_version": 10415, "charger_battery_voltage_grade": 48, "charger_rated_current": 80.0,
        "charger_time_days": 412, "charger_time_hours": 7, "charger_time_minutes": 31,
    }


def _apparent(kind: str, power_w: float) -> tuple[int, int]:
    """(S, Q) of a flow of `power_w` at the flow's power factor."""
    s = abs(power_w) / POWER_FACTOR[kind]
    return round(s), round(math.sqrt(max(s * s - power_w * power_w, 0.0)))


def _arrow_flags(plant: Plant, pv_w: float, grid_ok: bool) -> int:
    bat, grid = plant.battery.power_w, plant.grid.power_w
    flags = (pv_w > 0) | (plant.load_served_w > 0) << 1 | 1 << 2 | grid_ok << 3
    flags |= (pv_w > 0) << 4 | (plant.load_served_w > 0) << 5
    flags |= (0b01 if bat > 1 else 0b10 if bat < -1 else 0) << 6  # 01 machine -> battery (charging)
    flags |= (0b01 if grid < -1 else 0b10 if grid > 1 else 0) << 8  # 01 machine -> grid (export)
    return flags


def live_values(plant: Plant) -> dict[str, Value]:
    inv, bat, grid, s = plant.inverter, plant.battery, plant.grid, plant.settings
    grid_ok = grid.available and s.grid_connected
    pv_w = sum(a.output_w for a in plant.pv)
    ac_v = inv.ac_voltage_v or 1.0
    state = WORK_STATE.get(inv.mode, 4 if grid_ok else 5)  # low-battery cut-out: bypass, or stopped off-grid
    grid_s, grid_q = _apparent("grid", grid.power_w)
    load_s, load_q = _apparent("load", plant.load_served_w)
    inv_s, inv_q = _apparent("inverter", inv.ac_power_w)
    temperature = round(plant.air_temp_c + 10 + abs(inv.ac_power_w) / 250)
    lifetime = {flow: plant.energy.lifetime_kwh(flow) for flow in ("grid_import", "grid_export", "load", "pv")}
    relay = {True: "connected", False: "disconnected"}
    return {
        "charger_work_state": "Work" if pv_w > 0 else "Stop",
        "mppt_state": "Stop" if pv_w <= 0 else "Current limiting" if any(a.curtailed_w > 1 for a in plant.pv) else "MPPT",
        "charging_state": CHARGING_STATE[inv.charger_state],
        "pv_voltage": max((a.voltage_v for a in plant.pv), default=0.0),
        "charger_battery_voltage": bat.voltage_v,
        "pv_charge_current": sum(a.output_current_a for a in plant.pv),
        "pv_power": pv_w,
        "charger_radiator_temperature": round(plant.air_temp_c + 5 + pv_w / 100),
        "charger_external_temperature": round(plant.air_temp_c),
        "charger_battery_relay": "connected",
        "pv_relay": relay[pv_w > 0],
        "energy_pv_total": lifetime["pv"],
        "work_state": WORK_STATES[state],
        "battery_voltage": bat.voltage_v,
        "inverter_voltage": inv.ac_voltage_v,
        "grid_voltage": grid.voltage_v,
        "bus_voltage": BUS_VOLTAGE_V,
        "control_current": inv.ac_power_w / ac_v,
        "inverter_current": inv.ac_power_w / ac_v,
        "grid_current": grid.current_a,
        "load_current": plant.load_served_w / ac_v,
        "inverter_power": inv.ac_power_w,
        "grid_power": max(grid.power_w, 0.0),  # the firmware reports 0 while exporting (alpet83)
        "load_power": plant.load_served_w,
        "load_percent": 100.0 * plant.load_served_w / RATED_W,
        "inverter_apparent_power": inv_s, "grid_apparent_power": grid_s, "load_apparent_power": load_s,
        "inverter_reactive_power": inv_q, "grid_reactive_power": grid_q, "load_reactive_power": load_q,
        "inverter_frequency": inv.ac_frequency_hz,
        "grid_frequency": grid.frequency_hz,
        "ac_radiator_temperature": temperature, "transformer_temperature": temperature + 5,
        "dc_radiator_temperature": temperature - 2,
        "inverter_relay": relay[inv.inverting], "grid_relay": relay[grid_ok], "load_relay": "connected",
        "neutral_relay": "connected", "dc_relay": "connected", "earth_relay": "connected",
        "energy_battery_charge_total": plant.energy.lifetime_kwh("battery_charge"),
        "energy_battery_discharge_total": plant.energy.lifetime_kwh("battery_discharge"),
        "energy_grid_import_total": lifetime["grid_import"],
        "energy_grid_export_total": lifetime["grid_export"],
        "energy_load_total": lifetime["load"],
        "energy_self_use_total": max(0.0, lifetime["load"] - lifetime["grid_import"]),
        "energy_pv_export_total": min(lifetime["grid_export"], lifetime["pv"]),
        "inverter_warnings_1": ["Low battery"] if inv.lbco_active else [],
        "battery_power": bat.power_w,
        "battery_current": bat.current_a,
        "arrow_flags": _arrow_flags(plant, pv_w, grid_ok),
    }


class Pv1800Bank(RegisterBank):
    """The PV1800's registers; a read touching a forbidden span shuts it down for good."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        if plant.settings.pv_to_load is None:  # the plant left it to the inverter: the mode's own behaviour
            plant.settings.pv_to_load = ENERGY_USE[energy_use_mode(plant.settings)]["pv_to_load"]
        self.settings = initial_settings(plant)
        self.crashed = False
        super().__init__(PV1800, ByteOrder.MSB_FIRST, self.current, self.apply)

    def current(self) -> dict[str, Value]:
        s = self.plant.settings
        plant_side = {name: to_register(getattr(s, setting)) for name, (setting, _, to_register) in PLANT_SETTINGS.items()}
        return {**self.settings, **plant_side, **live_values(self.plant)}

    def apply(self, name: str, value: Value) -> None:
        try:
            value = check_write(self.map[name], value)  # out of the vendor's range: the inverter keeps the old value
        except WriteRejected:
            return
        try:
            if name in PLANT_SETTINGS:  # the plant holds it: read back from there
                setting, to_plant, _ = PLANT_SETTINGS[name]
                setattr(self.plant.settings, setting, to_plant(value))
                return
            if name in PLANT_FLAGS:
                for setting, flag in PLANT_FLAGS[name](value).items():
                    setattr(self.plant.settings, setting, flag)
        except ValidationError:
            return
        self.settings[name] = value

    def read(self, address: int, count: int) -> list[int]:
        if any(address <= last and address + count - 1 >= first for first, last in self.map.forbidden):
            if not self.crashed:
                log.error("PV1800 simulator: a read of %d registers at %d touches a forbidden span; "
                          "the inverter shuts down (as the real one does) until the simulator is restarted", count, address)
            self.crashed = True
            self.plant.settings.inverter_enabled = False
        return [0] * count if self.crashed else super().read(address, count)


def pv1800_unit(config, plant: Plant, index: int) -> ModbusUnit:
    return ModbusUnit(Pv1800Bank(plant))


def pv1800_plant_view(config, plant: Plant, index: int) -> PlantView:
    return of_bank(Pv1800Bank(plant))
