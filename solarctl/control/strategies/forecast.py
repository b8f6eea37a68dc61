"""`forecast`: model-predictive control. Every `replan_s` it plans the next `horizon_h` with the same LP as the
perfect-foresight optimum (solarctl/optimize/lp.py), on a forecast built only from what it has seen
(solarctl/optimize/forecast.py), and between plans carries out the plan's present step through the capabilities
the inverter's driver declares (solarctl/devices/capabilities.py). PV, load and SoC are found by their catalogue
roles, not by driver.

Brings scipy/numpy in (the [optimize] extra): a daemon without this strategy never imports this module.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from solarctl.control.levers import support_modes
from solarctl.control.config import ForecastStrategyConfig
from solarctl.control.strategies.base import Decision, Proposal, Strategy, proposals
from solarctl.control.strategies.view import View
from solarctl.devices.capabilities import Capabilities, SettingValue
from solarctl.devices.registry import capabilities, role_sources
from solarctl.optimize.forecast import Forecaster
from solarctl.optimize.limits import Limits
from solarctl.optimize.tariff import Tariff
from solarctl.plant.extras import MissingExtraError

if TYPE_CHECKING:
    from solarctl.optimize.lp import Horizon
    from solarctl.plant.config import PlantConfig

log = logging.getLogger("solarctl.strategy.forecast")

ROLES = ("pv_power", "load_power", "battery_soc")
DEAD_BAND_W = 50.0  # planned flows below this are "none"
END_DISCOUNT = 0.9
FULL_MARGIN_PCT = 3.0  # a battery this close to full may be holding PV back: such PV says little about the sky


@dataclass(frozen=True)
class Step:
    """What the plan wants now, as a mode the inverter settings can express."""

    support: bool  # PV then the battery feed the load (off: the grid does; PV charges the battery)
    grid_charge_w: float  # charging from the grid (DC), 0 if not
    export_battery: bool  # the battery may be exported too
    reason: str


@dataclass
class Plan:
    made_at: float
    step_s: float
    pv_w: list[float]
    load_w: list[float]
    price: list[float]
    battery_w: list[float]
    grid_w: list[float]
    soc_pct: list[float]
    cost: float
    basis: str  # what the forecast rests on

    def index(self, now: float) -> int:
        return min(len(self.battery_w) - 1, max(0, int((now - self.made_at) // self.step_s)))

    def step(self, now: float) -> Step:
        i = self.index(now)
        battery, grid, load = self.battery_w[i], self.grid_w[i], self.load_w[i]
        grid_charge = max(0.0, min(battery, grid - load)) if battery > DEAD_BAND_W else 0.0
        support = not (grid > DEAD_BAND_W and battery > -DEAD_BAND_W) or grid_charge > DEAD_BAND_W
        export_battery = grid < -DEAD_BAND_W and battery < -DEAD_BAND_W
        what = ("grid-charge" if grid_charge > DEAD_BAND_W else "discharge" if battery < -DEAD_BAND_W
                else "support" if support else "hold")
        reason = (f"plan {what}: battery {battery:+.0f} W, grid {grid:+.0f} W, load {load:.0f} W, "
                  f"PV {self.pv_w[i]:.0f} W at {self.price[i]:g}/kWh, SoC -> {self.soc_pct[i]:.0f} %")
        return Step(support, grid_charge if grid_charge > DEAD_BAND_W else 0.0, export_battery, reason)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def actuate(caps: Capabilities, device: str, step: Step, volts: float) -> list[Proposal]:
    """The step as the inverter's settings, through the capabilities it has (control/levers.py SUPPORT_LEVERS for
    support, then grid charging and its current, then battery export)."""
    charging = step.grid_charge_w > 0.0
    wanted: dict[str, SettingValue] = {}
    support = support_modes(caps)
    if support is not None:
        wanted |= support[step.support]
    if caps.grid_charging is not None:
        wanted |= caps.grid_charging.settings(charging)
    if caps.battery_export is not None:
        wanted |= caps.battery_export.settings(step.export_battery)
    if charging and caps.grid_charge_current is not None:  # whole amps: a plan that wobbles by a few watts does
        wanted |= caps.grid_charge_current.settings(float(round(step.grid_charge_w / volts)))  # not spend the budget
    return [Proposal(device, setting, value, step.reason) for setting, value in wanted.items()]


def site_limits(config: ForecastStrategyConfig, plant: PlantConfig, caps: Capabilities) -> Limits:
    """[plant]'s limits, what the inverter's capabilities let a plan do, then the strategy's own [strategy.limits]:
    grid charging only with the grid_charging capability (up to its current's top), battery export at the site's
    sell limit with battery_export, never beyond the inverter's declared rating."""
    limits = Limits.from_plant(plant)
    if caps.grid_charging is None:
        limits = dataclasses.replace(limits, grid_charge_max_w=0.0)
    else:
        top = caps.grid_charge_current.high * nominal_volts(plant) if caps.grid_charge_current else float("inf")
        limits = dataclasses.replace(limits, grid_charge_max_w=min(plant.inverter.rated_w, top))
    if caps.battery_export is not None:
        limits = dataclasses.replace(limits, grid_export_max_w=plant.settings.max_sell_amps * plant.grid.voltage_v)
    if caps.rated_power_w is not None:
        limits = dataclasses.replace(limits, inverter_max_w=min(limits.inverter_max_w, caps.rated_power_w))
    given = {k: v for k, v in config.limits.model_dump().items() if v is not None}
    return dataclasses.replace(limits, **given)


def nominal_volts(plant: PlantConfig) -> float:
    return float(plant.battery.cells_in_series * 3.3)  # LiFePO4 plateau


class ForecastStrategy(Strategy):
    def __init__(self, config: ForecastStrategyConfig, drivers: Mapping[str, str] | None = None) -> None:
        super().__init__(config, drivers)
        if importlib.util.find_spec("scipy") is None:
            raise MissingExtraError("the forecast strategy plans with scipy: install it with `pip install solarctl[optimize]`")
        drivers, plant = config.site
        config.check_drivers(drivers)  # the config check did it already; a strategy built by hand gets it too
        self.caps = capabilities(drivers[config.inverter])
        self.sources = {role: role_sources(role, drivers) for role in ROLES}
        self.limits = site_limits(config, plant, self.caps)
        self.volts = nominal_volts(plant)
        self.zone = plant.timezone
        self.tariff = config.prices or (Tariff.load(config.tariff) if config.tariff
                                        else Tariff.flat(config.import_price, config.feed_in))
        self.forecaster = Forecaster(plant, config.step_s, config.history_days)
        self.plan: Plan | None = None
        self._lp: Horizon | None = None  # kept between plans
        self.why_not = "no look yet"  # why there is no plan, for `solarctl plan`

    def stop_proposals(self) -> list[Proposal]:
        if self.caps.battery_export is None:
            return []
        return proposals(self.config.inverter, self.caps.battery_export.settings(False), "stop")  # never leave the
        # battery exporting unattended

    def read(self, view: View, role: str, combine: Callable[[list[float]], float]) -> float | None:
        values = [view.value(dev, metric) for dev, metric in self.sources[role]
                  if view.fresh(dev, 3 * self.interval)]
        numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        return combine(numbers) if numbers else None

    def decide(self, view: View, now: float) -> list[Decision]:
        pv = self.read(view, "pv_power", sum)
        load = self.read(view, "load_power", sum)
        soc = self.read(view, "battery_soc", lambda v: sum(v) / len(v))
        if pv is None or load is None or soc is None:
            missing = [r for r, v in zip(ROLES, (pv, load, soc)) if v is None]
            self.why_not = f"no fresh {', '.join(missing)} from {self._named(missing)}"
            return []
        self.observe(now, pv, load, soc)
        if self.plan is None or now - self.plan.made_at >= self.config.replan_s:
            self.plan = self.make_plan(now, pv, load, soc)
            log.info("new plan for %g h: cost %.2f; %s; now: %s", self.config.horizon_h, self.plan.cost,
                     self.plan.basis, self.plan.step(now).reason)
        found: list[Decision] = [*actuate(self.caps, self.config.inverter, self.plan.step(now), self.volts)]
        return found

    def observe(self, now: float, pv: float, load: float, soc: float | None) -> None:
        """One look for the forecast's memory (SoC None: not known, PV counts)."""
        may_hold_back = (soc is not None and soc >= self.limits.soc_max_pct - FULL_MARGIN_PCT
                         and self.limits.grid_export_max_w <= 0)
        self.forecaster.observe(now, pv, load, pv_counts=not may_hold_back)

    def make_plan(self, now: float, pv: float, load: float, soc: float) -> Plan:
        steps = round(self.config.horizon_h * 3600 / self.config.step_s)
        pv_w, load_w, basis = self.forecaster.forecast(now, steps)
        pv_w[0], load_w[0] = pv, load  # the present is known
        prices = self.tariff.import_prices(now, self.config.step_s, steps, self.zone)
        horizon = self._horizon(steps)
        # What is left stored at the horizon's end is worth the cheapest import it would replace, less a share
        # for not knowing what comes after: of two plans equal by the LP, the one that uses the battery now.
        end_value = END_DISCOUNT * min(prices) * self.limits.discharge_efficiency * self.limits.inverter_efficiency
        stored_kwh = self.limits.battery_kwh * min(self.limits.soc_max_pct, max(self.limits.soc_min_pct, soc)) / 100.0
        schedule = horizon.schedule(horizon.solve(pv_w, load_w, prices, stored_kwh, end_value), prices)
        return Plan(now, self.config.step_s, pv_w, load_w, prices, schedule.battery_w, schedule.grid_w,
                    schedule.soc_pct, schedule.cost, basis)

    def _horizon(self, steps: int) -> Horizon:
        """The LP kept from the last plan (HiGHS starts from its basis); built on the first plan."""
        from solarctl.optimize.lp import Horizon  # scipy: only when a plan is made

        if self._lp is None:
            self._lp = Horizon(steps, self.config.step_s, self.limits, self.tariff)
        return self._lp

    def _named(self, roles: list[str]) -> str:
        devices = sorted({dev for role in roles for dev, _ in self.sources[role]})
        return ", ".join(devices) or "no configured device (no driver offers these roles)"
