"""The old battery monitor's checks as a pure step, for every battery device.

Batteries are the devices whose driver's catalogue has a `cell_voltages` metric (at the top, or in each
module of a stack); current and temperature are the metrics with the roles `battery_current` and
`temperature`. Each evaluation reports one Condition per check and battery, active or not (the alert
manager makes episodes of them); while a battery's data is older than `data_max_age_s` only that is
reported, since the other checks would judge stale values. A check with an `actions` entry also proposes
its protective setting when it becomes active (again if a poll shows it changed meanwhile) and its restore
value once it has been clear for the action's `release_evaluations` evaluations in a row; a protective value
found in place at the first step (a previous run's) is released the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from solarctl.alerts.model import Condition
from solarctl.control.config import BatteryGuardStrategyConfig, GuardActionConfig
from solarctl.control.levers import set_to
from solarctl.control.strategies.base import Decision, Proposal, Strategy
from solarctl.control.strategies.view import View
from solarctl.devices import registry
from solarctl.devices.capabilities import SettingValue


@dataclass(frozen=True)
class BatteryMetrics:
    """Where one battery driver publishes what the guard checks."""

    cells: tuple[str, ...]  # top-level lists of cell voltages
    module_cells: tuple[tuple[str, str], ...]  # (list of module dicts, its cell-voltage list field)
    current: str | None
    temperature: str | None


def battery_metrics(driver: str) -> BatteryMetrics | None:
    """The driver's battery metrics by role; None if it reports no cell voltages (not a battery)."""
    description = registry.describe(driver)
    if description is None:
        return None
    catalogue = description.metrics
    cells = tuple(m.name for m in catalogue.with_role("cell_voltages"))
    module_cells = tuple((m.name, f.name) for m in catalogue for f in m.fields if f.role == "cell_voltages")
    if not cells and not module_cells:
        return None
    current = next((m.name for m in catalogue.with_role("battery_current")), None)
    temperature = next((m.name for m in catalogue.with_role("temperature")), None)
    return BatteryMetrics(cells, module_cells, current, temperature)


def _numbers(values: Any) -> list[float]:
    return [float(v) for v in values or () if isinstance(v, (int, float)) and not isinstance(v, bool)]


def cell_voltages(view: View, device: str, where: BatteryMetrics) -> list[float]:
    cells = [v for name in where.cells for v in _numbers(view.value(device, name))]
    for modules, field in where.module_cells:
        found = view.value(device, modules)
        for module in found if isinstance(found, list) else ():
            if isinstance(module, Mapping):
                cells += _numbers(module.get(field))
    return cells


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class BatteryGuard(Strategy):
    def __init__(self, config: BatteryGuardStrategyConfig, drivers: Mapping[str, str] | None = None) -> None:
        super().__init__(config, drivers)
        config.check_drivers(self.drivers)  # the config check did it already; a strategy built by hand gets it too
        names = config.batteries or list(self.drivers)
        found = {name: battery_metrics(self.drivers.get(name, "")) for name in names}
        self.batteries = {name: where for name, where in found.items() if where is not None}
        self._first_step: float | None = None
        self._engaged: dict[tuple[str, str | None], int] = {}  # (kind, battery) -> evaluations clear in a row
        self._started = False  # after the first step

    def decide(self, view: View, now: float) -> list[Decision]:
        if self._first_step is None:
            self._first_step = now
        out: list[Decision] = []
        for battery, where in self.batteries.items():
            for condition in self.check(view, now, battery, where):
                out += [condition, *self._action(view, condition)]
        self._started = True
        return out

    def check(self, view: View, now: float, battery: str, where: BatteryMetrics) -> list[Condition]:
        c = self.config
        age = view.age(battery)
        age = now - (self._first_step or now) if age is None else age
        if age > c.data_max_age_s:
            return [Condition("bms_data_old", battery, True, "warning",
                              f"{battery}: no battery data for {age:.0f} s (limit {c.data_max_age_s:g} s)", {"age_s": round(age, 1)})]
        found = [Condition("bms_data_old", battery, False)]
        cells = cell_voltages(view, battery, where)
        if cells:
            low, high = min(cells), max(cells)
            found.append(Condition("cell_low", battery, low < c.cell_low_v, "critical",
                                   f"{battery}: lowest cell {low:.3f} V is below {c.cell_low_v:g} V",
                                   {"cell_voltage_min": low}))
            found.append(Condition("cell_high", battery, high > c.cell_high_v, "critical",
                                   f"{battery}: highest cell {high:.3f} V is above {c.cell_high_v:g} V",
                                   {"cell_voltage_max": high}))
        current = _number(view.value(battery, where.current)) if where.current else None
        if current is not None:
            found.append(Condition("current_high", battery, abs(current) > c.current_max_a, "warning",
                                   f"{battery}: current {current:.1f} A exceeds ±{c.current_max_a:g} A", {"current": current}))
        temperature = _number(view.value(battery, where.temperature)) if where.temperature else None
        if temperature is not None:
            found.append(Condition("temperature_high", battery, temperature > c.temperature_high_c, "critical",
                                   f"{battery}: temperature {temperature:.1f} °C is above {c.temperature_high_c:g} °C",
                                   {"temperature": temperature}))
            found.append(Condition("temperature_low", battery, temperature < c.temperature_low_c, "warning",
                                   f"{battery}: temperature {temperature:.1f} °C is below {c.temperature_low_c:g} °C",
                                   {"temperature": temperature}))
        return found

    def _action(self, view: View, condition: Condition) -> list[Proposal]:
        action: GuardActionConfig | None = self.config.actions.get(condition.kind)
        if action is None or condition.device is None:  # (the guard's conditions always name their battery)
            return []
        key = (condition.kind, condition.device)
        target = self._target(action, condition.device or "")
        if target is None:
            return []
        device, setting, value, restore = target
        if condition.active:
            engaged = key in self._engaged
            self._engaged[key] = 0
            shown = view.setting(device, setting)
            if engaged and shown in (None, value):  # in place, or not polled: asking again would cost a write attempt
                return []
            return [Proposal(device, setting, value, f"protect: {condition.message}")]
        if key not in self._engaged:
            if self._started or view.setting(device, setting) != value:
                return []
            self._engaged[key] = 0  # a previous run left its protection in place: release it as its own
        self._engaged[key] += 1
        if self._engaged[key] < action.release_evaluations:
            return []
        del self._engaged[key]
        return [Proposal(device, setting, restore, f"{condition.kind} on {condition.device} clear: restore")]

    def _target(self, action: GuardActionConfig, battery: str) -> tuple[str, str, SettingValue, SettingValue] | None:
        """(device, setting, protective value, restore value); None for a battery without the action's capability
        (the config check made sure some guarded device has it)."""
        device = action.device or battery
        if action.setting is not None:
            return device, action.setting, action.value, action.restore
        capability = registry.capabilities(self.drivers.get(device)).named(action.capability or "")
        if capability is None:
            return None
        (setting, value), (_, restore) = set_to(capability, action.value), set_to(capability, action.restore)
        return device, setting, value, restore
