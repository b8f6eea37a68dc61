"""The plant's battery as a US2000B Plus stack shows it on its console, as the parsers' dicts
(`render` turns them into bytes).

Each module carries its own share of the pack current and its own small cell spread. Values are
rounded as B66.6 prints them: mV, mA, whole °C, whole %.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from solarctl.devices.pylontech.stack import stack_values
from solarctl.devices.pylontech.values import TIME_FORMAT
from solarctl.plant import Plant
from solarctl.registers import WriteRejected
from solarctl.sample import Value
from solarctl.sim.plant_view import PlantView

IDLE_BELOW_A = 0.1  # |module current| under which the BMS says Idle (assumed; captures show Idle at 0 mA)
# `info` as the captured US2KBPL B66.6 prints it; capacity, cells, limits and rates come from the plant/config.
INFO_IDENTITY = {
    "device_address": 1, "manufacturer": "Pylon", "device_name": "US2KBPL", "board_version": "PHANTOMSAV10R03",
    "main_soft_version": "B66.6", "soft_version": "V2.4", "boot_version": "V2.0", "comm_version": "V2.0",
    "release_date": "20-05-28", "nominal_voltage": 48.0, "epon_port_rate": 1200,
}


NORMAL_STATES = dict.fromkeys(("voltage_state", "current_state", "temperature_state", "battery_voltage_state",
                               "battery_temperature_state"), "Normal")


def base_state(current_a: float) -> str:
    if current_a >= IDLE_BELOW_A:
        return "Charge"
    return "Dischg" if current_a <= -IDLE_BELOW_A else "Idle"


def _cell_voltages(plant: Plant, i: int) -> list[float]:
    return [round(v, 3) for v in plant.battery.cell_voltages(i)]


def module_row(plant: Plant, i: int) -> dict[str, Any]:
    """Module i (0-based) as a parsed `pwr` row."""
    battery = plant.battery
    cells = _cell_voltages(plant, i)
    current = round(battery.module_current_a(i), 3)
    temperature = float(round(battery.module_temperature_c(i)))
    return {
        "index": i + 1, "voltage": round(sum(cells), 3), "current": current, "temperature": temperature,
        "temperature_min": temperature, "temperature_max": temperature,
        "cell_voltage_min": min(cells), "cell_voltage_max": max(cells), "base_state": base_state(current),
        **NORMAL_STATES, "soc": round(battery.module_soc_pct(i)), "time": local_time(plant),
    }


def cell_rows(plant: Plant, i: int) -> list[dict[str, Any]]:
    """Module i's cells as parsed `bat` rows (B66.6 prints the module's current, SoC and charge on each)."""
    module = module_row(plant, i)
    battery = plant.battery
    remaining_ah = round(battery.capacity_ah / battery.module_count * module["soc"] / 100, 3)
    shared = {key: module[key] for key in ("current", "temperature", "base_state", "voltage_state",
                                           "current_state", "temperature_state", "soc")}
    return [{"index": k + 1, "voltage": v, **shared, "remaining_charge": remaining_ah}
            for k, v in enumerate(_cell_voltages(plant, i))]


def system_values(plant: Plant) -> dict[str, Any]:
    """The plant's stack as a high-voltage stack's `pwr` system summary prints it (parsed SYSTEM_FIELDS values)."""
    battery = plant.battery
    rows = [module_row(plant, i) for i in range(battery.module_count)]
    stack = stack_values({"modules": [{**row, "present": True} for row in rows], "columns": {}},
                         {"capacity": battery.module_capacity_ah})
    cells = [v for i in range(battery.module_count) for v in _cell_voltages(plant, i)]
    temperatures = [row["temperature"] for row in rows]
    state = "charging" if stack["current"] > 0 else "discharging" if stack["current"] < 0 else "idle"
    return {
        "module_slots": battery.module_count, "module_count": battery.module_count, "modules_asleep": 0,
        "voltage": stack["voltage"], "current": stack["current"], "soc": round(stack["soc"]), "soh": 100,
        "remaining_charge": round(stack["capacity"] * stack["soc"] / 100, 3), "capacity": stack["capacity"],
        "cell_voltage_max": max(cells), "cell_voltage_mean": round(sum(cells) / len(cells), 3),
        "cell_voltage_min": min(cells), "temperature_max": max(temperatures),
        "temperature": round(sum(temperatures) / len(temperatures)), "temperature_min": min(temperatures),
        "state": state,
    }


def info_values(plant: Plant, console_baudrate: int, barcode: str) -> dict[str, Any]:
    battery = plant.battery
    config = battery.config
    return {
        **INFO_IDENTITY, "barcode": barcode, "capacity": battery.module_capacity_ah, "cell_count": battery.cells,
        "max_discharge_current": -config.module_max_discharge_a, "max_charge_current": config.module_max_charge_a,
        "console_port_rate": console_baudrate,
    }


def local_time(plant: Plant) -> str:
    """The modules' clock: the plant's local time (the console prints no zone)."""
    return _local_time(plant.time, plant.calendar.zone)


@functools.lru_cache(maxsize=4)  # every module's row asks for the same instant
def _local_time(t: float, zone: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(t, zone).strftime(TIME_FORMAT)


def plant_view(config, plant: Plant, index: int) -> PlantView:
    """The stack's `pwr` rows and `info` as the simulator serves them, summed up as the driver does."""
    info = info_values(plant, config.baudrate, f"SIMULATED{index + 1:04d}")

    def values() -> dict[str, Any]:
        rows = [{**module_row(plant, i), "present": True} for i in range(plant.battery.module_count)]
        found = stack_values({"modules": rows, "columns": {}}, info)
        found.pop("alarms")
        return found

    def write(metric: str, value: Value) -> None:
        raise WriteRejected(f"a Pylontech console has no setting {metric!r}")

    return PlantView(values, write)
