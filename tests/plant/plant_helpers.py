"""Helpers for the plant tests: building a plant on the local calendar, running it, checking the balance."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Callable

from solarctl.plant import Plant, PlantConfig

VIENNA = zoneinfo.ZoneInfo("Europe/Vienna")


def local_epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIENNA).timestamp()


def make_plant(start: float, settings: dict[str, Any] | None = None, **tables: Any) -> Plant:
    """A default SCP plant with some [plant] keys / sub-tables and initial settings overridden."""
    data = dict(tables)
    if settings:
        data["settings"] = settings
    return Plant(PlantConfig.model_validate(data), start)


@dataclass
class Run:
    """What a run saw at every step, for behaviour checks."""

    plant: Plant
    stored_at_start_wh: float
    steps: list[dict[str, Any]] = field(default_factory=list)

    def balance_error(self) -> float:
        """|PV + import - (load + export + delta stored + losses)|, relative to all energy that moved.

        (Relative to PV + import + battery discharge, so a night on the battery alone has a scale too.)
        """
        e = self.plant.energy
        supplied = e.total_wh("pv") + e.total_wh("grid_import")
        used = (e.total_wh("load") + e.total_wh("grid_export") + e.total_wh("losses")
                + self.plant.battery.stored_wh - self.stored_at_start_wh)
        return abs(supplied - used) / (supplied + e.total_wh("battery_discharge"))

    def values(self, key: str) -> list[Any]:
        return [s[key] for s in self.steps]


def observe(plant: Plant) -> dict[str, Any]:
    return {
        "time": plant.time,
        "mode": plant.mode,
        "grid_w": plant.grid.power_w,
        "grid_v": plant.grid.voltage_v,
        "battery_w": plant.battery.power_w,
        "battery_a": plant.battery.current_a,
        "battery_v": plant.battery.voltage_v,
        "soc": plant.battery.soc_pct,
        "pv_w": plant.pv_power_w,
        "pv_available_w": plant.pv_available_w,
        "load_w": plant.load_w,
        "served_w": plant.load_served_w,
        "unserved_w": plant.load_unserved_w,
        "charger": plant.inverter.charger_state,
        "inverting": plant.inverter.inverting,
    }


def run(plant: Plant, seconds: float, dt: float = 5.0, each: Callable[[Plant], None] | None = None) -> Run:
    result = Run(plant, plant.battery.stored_wh)
    for _ in range(round(seconds / dt)):
        plant.step(dt)
        result.steps.append(observe(plant))
        if each:
            each(plant)
    return result
