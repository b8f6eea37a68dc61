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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping

from solarctl.alert_types import Condition
from solarctl.clock import Clock

from solarctl.control.levers import support_modes
from solarctl.control.config import ForecastStrategyConfig
from solarctl.control.strategies.base import Decision, Proposal, Strategy, proposals
from solarctl.control.strategies.view import View
from solarctl.devices.capabilities import Capabilities, SettingValue
from solarctl.devices.registry import capabilities, role_sources
from solarctl.feeds.market_tariff import MarketTariff, load_tariff_file
from solarctl.optimize.forecast import Forecaster
from solarctl.optimize.limits import Limits
from solarctl.optimize.tariff import Tariff
from solarctl.plant.extras import MissingExtraError

if TYPE_CHECKING:
    from solarctl.feeds.price_feed import PriceFeed
    from solarctl.feeds.pv_forecast import PvForecast
    from solarctl.optimize.lp import Horizon
    from solarctl.plant.config import PlantConfig

log = logging.getLogger("solarctl.strategy.forecast")

ROLES = ("pv_power", "load_power", "battery_soc")
DEAD_BAND_W = 50.0  # planned flows below this are "none"
END_DISCOUNT = 0.9
FULL_MARGIN_PCT = 3.0  # a battery this close to full may be holding PV back: such PV says little about the sky
PRICES_ALERT_S = 6 * 3600.0  # a price service failing this long is an alert (until then: the last known shape)
PV_ALERT_S = 6 * 3600.0  # a PV forecast service failing this long is an alert (until then: its last forecast)
LOCAL = "local"  # a step's PV from the strategy's own forecast


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
    price_estimated: list[bool] = dataclasses.field(default_factory=list)  # step's price not published yet
    pv_source: list[str] = dataclasses.field(default_factory=list)  # where each step's PV came from

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
        self.tariff = config.prices or (load_tariff_file(config.tariff) if config.tariff
                                        else Tariff.flat(config.import_price, config.feed_in))
        # market prices: until the first arrive, the flat prices of the strategy's table
        self.fallback_tariff = Tariff.flat(config.import_price, config.feed_in)
        self.price_feed: PriceFeed | None = None  # made by `feed_services`
        self.pv_feed: PvForecast | None = None  # made by `feed_services`
        self._plant = plant
        self._planned_prices = -1  # the MarketTariff version the plan was made with
        self.forecaster = Forecaster(plant, config.step_s, config.history_days)
        self.plan: Plan | None = None
        self._lp: Horizon | None = None  # kept between plans
        self.why_not = "no look yet"  # why there is no plan, for `solarctl plan`

    def feed_services(self, clock: Clock, data_dir: Path | None = None) -> dict[str, Callable[[], Awaitable[None]]]:
        """The services a [market] tariff and a [strategy.pv_forecast] need, for the daemon to run beside the
        strategy (httpx is imported only here: a strategy without them never loads it). The PV forecast is
        cached in `data_dir`/strategies."""
        found: dict[str, Callable[[], Awaitable[None]]] = {}
        if isinstance(self.tariff, MarketTariff):
            from solarctl.feeds.price_feed import PriceFeed

            prices = PriceFeed(self.tariff, self.tariff.config.make_source(), clock, self.zone)
            self.price_feed = prices
            found[f"prices {self.name}"] = prices.run
        pv = self.config.pv_forecast
        if pv is not None:
            from solarctl.feeds.pv_forecast import PvForecast
            from solarctl.feeds.pv_sources import make_pv_source

            source = make_pv_source(pv.source, self._plant, api_key=pv.api_key, site=pv.site, base_url=pv.base_url)
            cache = None if data_dir is None else Path(data_dir) / "strategies" / f"{self.name}.pv-forecast.json"
            feed = PvForecast(source, clock, cache)
            self.pv_feed = feed
            found[f"pv forecast {self.name}"] = feed.run
        return found

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
        new_prices = isinstance(self.tariff, MarketTariff) and self.tariff.version != self._planned_prices
        if self.plan is None or now - self.plan.made_at >= self.config.replan_s or new_prices:
            self.plan = self.make_plan(now, pv, load, soc)
            log.info("new plan for %g h: cost %.2f; %s; now: %s", self.config.horizon_h, self.plan.cost,
                     self.plan.basis, self.plan.step(now).reason)
        found: list[Decision] = [*actuate(self.caps, self.config.inverter, self.plan.step(now), self.volts),
                                 *self.feed_conditions(now)]
        return found

    def feed_conditions(self, now: float) -> list[Condition]:
        """One alert per service feed that has failed for hours (active or not: the manager keeps episodes)."""
        found: list[Condition] = []
        for kind, feed, limit, meanwhile in (
                ("prices_missing", self.price_feed, PRICES_ALERT_S, "planning on the last known prices' shape"),
                ("pv_forecast_missing", self.pv_feed, PV_ALERT_S, "planning on its last forecast, then the local one")):
            if feed is not None:
                failing = feed.failing_for(now)
                found.append(Condition(kind, None, failing >= limit, "warning",
                                       f"{feed.name} has failed for {failing / 3600:.1f} h "
                                       f"({feed.status.last_error}); {meanwhile}"))
        return found

    def observe(self, now: float, pv: float, load: float, soc: float | None) -> None:
        """One look for the forecast's memory (SoC None: not known, PV counts)."""
        may_hold_back = (soc is not None and soc >= self.limits.soc_max_pct - FULL_MARGIN_PCT
                         and self.limits.grid_export_max_w <= 0)
        self.forecaster.observe(now, pv, load, pv_counts=not may_hold_back)

    def make_plan(self, now: float, pv: float, load: float, soc: float) -> Plan:
        steps = round(self.config.horizon_h * 3600 / self.config.step_s)
        pv_w, load_w, basis = self.forecaster.forecast(now, steps)
        pv_source = self._service_pv(now, pv_w)
        if self.pv_feed is not None and pv_source.count(LOCAL) < steps:
            basis = basis.replace("PV: clear sky", f"PV: {self.pv_feed.name} for {steps - pv_source.count(LOCAL)} "
                                                   "step(s), else clear sky")
        pv_w[0], load_w[0] = pv, load  # the present is known
        pv_source[0] = "measured"
        tariff, estimated, price_basis = self._tariff_now(now, steps)
        prices = (tariff.plan_prices if isinstance(tariff, MarketTariff) else tariff.import_prices)(
            now, self.config.step_s, steps, self.zone)
        if isinstance(tariff, MarketTariff) and tariff.last is not None:
            estimated = tariff.last.estimated
            price_basis = tariff.last.describe(now, self.config.step_s)
        horizon = self._horizon(steps)
        # What is left stored at the horizon's end is worth the cheapest import it would replace, less a share
        # for not knowing what comes after: of two plans equal by the LP, the one that uses the battery now.
        end_value = END_DISCOUNT * min(prices) * self.limits.discharge_efficiency * self.limits.inverter_efficiency
        stored_kwh = self.limits.battery_kwh * min(self.limits.soc_max_pct, max(self.limits.soc_min_pct, soc)) / 100.0
        schedule = horizon.schedule(horizon.solve(pv_w, load_w, prices, stored_kwh, end_value), prices)
        return Plan(now, self.config.step_s, pv_w, load_w, prices, schedule.battery_w, schedule.grid_w,
                    schedule.soc_pct, schedule.cost, "; ".join(filter(None, (basis, price_basis))), estimated,
                    pv_source)

    def _service_pv(self, now: float, pv_w: list[float]) -> list[str]:
        """Put the PV forecast service's watts in `pv_w` where it has them; each step's source."""
        if self.pv_feed is None:
            return [LOCAL] * len(pv_w)
        step = self.config.step_s
        watts = self.pv_feed.watts([now + (i + 0.5) * step for i in range(len(pv_w))], now)
        for i, w in enumerate(watts):
            if w is not None:
                pv_w[i] = w
        return [LOCAL if w is None else self.pv_feed.name for w in watts]

    def _tariff_now(self, now: float, steps: int) -> tuple[Tariff | MarketTariff, list[bool], str]:
        """The tariff to plan with: a market tariff once it has prices, else the flat fallback (said so)."""
        if not isinstance(self.tariff, MarketTariff):
            return self.tariff, [False] * steps, ""  # a fixed tariff: nothing to say about the prices
        self._planned_prices = self.tariff.version
        if not self.tariff.known:
            return (self.fallback_tariff, [True] * steps,
                    f"prices: none from {self.tariff.config.source} yet, flat {self.fallback_tariff.describe()}")
        return self.tariff, [], ""

    def _horizon(self, steps: int) -> Horizon:
        """The LP kept from the last plan (HiGHS starts from its basis); built on the first plan."""
        from solarctl.optimize.lp import Horizon  # scipy: only when a plan is made

        if self._lp is None:
            self._lp = Horizon(steps, self.config.step_s, self.limits, self.tariff)
        return self._lp

    def _named(self, roles: list[str]) -> str:
        devices = sorted({dev for role in roles for dev, _ in self.sources[role]})
        return ", ".join(devices) or "no configured device (no driver offers these roles)"
