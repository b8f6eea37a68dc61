"""[[strategy]] tables and the [control] safe-write settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Field, PrivateAttr, field_validator, model_validator

from solarctl.config_paths import File
from solarctl.control.levers import (
    OFF_GRID_LEVERS, SUPPORT_LEVERS, grid_modes, set_to, support_modes, switch_named, switches,
)
from solarctl.devices import registry
from solarctl.devices.capabilities import Capabilities, Level
from solarctl.optimize.tariff import Tariff
from solarctl.plant.config import PlantConfig
from solarctl.feeds.market_tariff import load_tariff_file
from solarctl.strict_model import StrictModel

SettingValue = Union[float, int, str, bool]


class ControlConfig(StrictModel):
    dry_run: bool = False  # validate and log every write, send none
    daily_write_budget: Annotated[int, Field(ge=1)] = 48  # per register per day (EEPROM wear)
    # The write counts every writer on the machine shares (default: DATA_DIR/write_budget.jsonl); point
    # every config on one machine at the same file, e.g. /var/lib/solarctl/write_budget.jsonl.
    budget_file: File | None = None


class StrategyTable(StrictModel):
    """What every [[strategy]] table offers the config's consistency check."""

    @property
    def references(self) -> tuple[str, ...]:
        """The device names it refers to (each must be configured)."""
        return (self.inverter,)  # type: ignore[attr-defined]

    def check_drivers(self, drivers: dict[str, str]) -> None:
        """Raise ValueError (one sentence) if the devices it names lack a capability it needs."""


class SocBandStrategyConfig(StrategyTable):
    """The old SCP control loop: switch an on/off capability of the inverter on above soc_high, off below soc_low."""

    name: Literal["soc_band"]
    enabled: bool = True
    inverter: str  # device name of the inverter whose setting is switched
    battery: str  # device name whose `soc` (%) drives the decision
    setting: str = "load_shave"  # an on/off capability (devices/capabilities.py Switch), or the setting carrying it
    soc_high: Annotated[float, Field(ge=0, le=100)] = 80.0
    soc_low: Annotated[float, Field(ge=0, le=100)] = 20.0
    interval: Annotated[float, Field(gt=0)] = 30.0
    on_start: dict[str, SettingValue] = Field(default_factory=dict)  # settings written when control starts
    on_stop: dict[str, SettingValue] = Field(default_factory=dict)  # settings restored when it stops
    # No fresh battery data for this long: the on_stop (safe) settings go in until the data returns.
    battery_lost_after: Annotated[float, Field(gt=0)] = 300.0
    min_hold: Annotated[float, Field(ge=0)] = 0.0  # seconds a switch stays before the opposite one (anti-flapping)

    @property
    def references(self) -> tuple[str, ...]:
        return (self.inverter, self.battery)

    def check_drivers(self, drivers: dict[str, str]) -> None:
        driver = drivers.get(self.inverter)
        caps = registry.capabilities(driver)
        if switch_named(caps, self.setting) is None:
            raise ValueError(f"strategy 'soc_band' switches {self.setting!r}, which {self.inverter} ({driver}) does not "
                             f"have as an on/off capability; set `setting` to one it has: {switches(caps)}")

    @model_validator(mode="after")
    def _band(self) -> "SocBandStrategyConfig":
        if self.soc_low >= self.soc_high:
            raise ValueError(f"soc_low ({self.soc_low}) must be below soc_high ({self.soc_high})")
        return self


# Thresholds by what decides: the lowest cell voltage (the old batmon's, V) or the lowest SoC (ours, %).
GREEDY_THRESHOLDS = {"cell_voltage": {"start": 3.32, "full": 3.5, "low": 3.21},
                     "soc": {"start": 70.0, "full": 95.0, "low": 30.0}}


class GreedyOffgridStrategyConfig(StrategyTable):
    """The Solar-Station battery monitor: off-grid once PV carries the house and the battery is charged enough,
    back on-grid when it runs low; a switch needs `count` agreeing evaluations in a row."""

    name: Literal["greedy_offgrid"]
    enabled: bool = True
    inverter: str  # the device switched, by its first capability of control/levers.py OFF_GRID_LEVERS
    measure: Literal["cell_voltage", "soc"] = "cell_voltage"
    batteries: list[str] = Field(default_factory=list)  # empty: every device with cell voltages (or a SoC)
    start: float | None = None  # off-grid at or above this, when the charge power is enough (default by measure)
    full: float | None = None  # off-grid at or above this whatever the charge power
    low: float | None = None  # back on-grid at or below this
    charge_floor_w: Annotated[float, Field(ge=0)] = 640.0
    load_share: Annotated[float, Field(ge=0)] = 0.97  # charge power must reach this share of the load (and the floor)
    chargers: list[str] = Field(default_factory=list)  # "device.metric" in W; empty: every charger's PV power
    count: Annotated[int, Field(ge=1)] = 5  # agreeing evaluations in a row before a switch
    interval: Annotated[float, Field(gt=0)] = 300.0  # the old batmon ran every 5 min from cron
    max_data_age: Annotated[float, Field(gt=0)] = 600.0  # older battery data is not acted on (the old 10 min)
    grid_charge_current_a: Annotated[float, Field(gt=0)] | None = None  # grid_charge_current set on going on-grid
    on_grid_at_stop: bool = True  # leave the inverter on the grid when control stops (nobody switches it back)
    battery_lost_after: Annotated[float, Field(gt=0)] = 900.0  # ... and when battery data is lost this long
    off_grid: dict[str, SettingValue] = Field(default_factory=dict)  # empty: from the inverter's capabilities
    on_grid: dict[str, SettingValue] = Field(default_factory=dict)

    @property
    def references(self) -> tuple[str, ...]:
        return (self.inverter, *self.batteries, *(c.split(".", 1)[0] for c in self.chargers))

    def check_drivers(self, drivers: dict[str, str]) -> None:
        driver = drivers.get(self.inverter)
        if grid_modes(registry.capabilities(driver)) is None and not (self.off_grid and self.on_grid):
            raise ValueError(f"greedy_offgrid needs an inverter with the capability {' or '.join(OFF_GRID_LEVERS)}, "
                             f"which {self.inverter} ({driver}) does not have; give its off_grid and on_grid settings "
                             f"in the [[strategy]] table")
        if self.grid_charge_current_a is not None:
            level = registry.capability(drivers, self.inverter, "grid_charge_current",
                                        "greedy_offgrid's grid_charge_current_a")
            assert isinstance(level, Level)
            if not level.low <= self.grid_charge_current_a <= level.high:
                raise ValueError(f"grid_charge_current_a = {self.grid_charge_current_a:g} is outside what {self.inverter} "
                                 f"({driver}) takes, {level.low:g} to {level.high:g} {level.unit}")

    @model_validator(mode="after")
    def _thresholds(self) -> "GreedyOffgridStrategyConfig":
        for key, default in GREEDY_THRESHOLDS[self.measure].items():
            if getattr(self, key) is None:
                setattr(self, key, default)
        if not self.low < self.start <= self.full:  # type: ignore[operator]
            raise ValueError(f"greedy_offgrid needs low < start <= full (got {self.low}, {self.start}, {self.full})")
        for item in self.chargers:
            if "." not in item:
                raise ValueError(f"charger {item!r} must be written as device.metric, e.g. mppt.dc_output_power")
        return self




class ForecastLimitsConfig(StrictModel):
    """[strategy.limits] of `forecast`: the site's battery and inverter; keys left out come from [plant]."""

    battery_kwh: Annotated[float, Field(gt=0)] | None = None
    charge_max_w: Annotated[float, Field(ge=0)] | None = None
    discharge_max_w: Annotated[float, Field(ge=0)] | None = None
    inverter_max_w: Annotated[float, Field(gt=0)] | None = None
    soc_min_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    soc_max_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    charge_efficiency: Annotated[float, Field(gt=0, le=1)] | None = None
    discharge_efficiency: Annotated[float, Field(gt=0, le=1)] | None = None
    inverter_efficiency: Annotated[float, Field(gt=0, le=1)] | None = None
    idle_w: Annotated[float, Field(ge=0)] | None = None
    grid_import_max_w: Annotated[float, Field(ge=0)] | None = None
    grid_export_max_w: Annotated[float, Field(ge=0)] | None = None
    grid_charge_max_w: Annotated[float, Field(ge=0)] | None = None


class PvForecastConfig(StrictModel):
    """A PV forecast service for the plan (solarctl/feeds/pv_sources.py); where it has nothing, or has failed
    for 36 h, the strategy's own forecast plans instead."""

    source: Literal["open-meteo", "forecast.solar", "solcast"]
    api_key: str = ""  # solcast: required; forecast.solar: a paid plan's key (none: the public plan)
    site: str = ""  # solcast: the rooftop site's resource id
    base_url: str | None = None  # another address for the service (a proxy)

    @model_validator(mode="after")
    def _solcast_needs_its_keys(self) -> PvForecastConfig:
        if self.source == "solcast" and not (self.site and self.api_key):
            raise ValueError("pv_forecast source solcast needs `site` (the rooftop site's resource id) and `api_key`")
        return self


class ForecastStrategyConfig(StrategyTable):
    """Model-predictive control: every `replan_s` the cheapest plan for the next `horizon_h` on a forecast made
    from what it has seen, carried out through the inverter's settings until the next plan."""

    name: Literal["forecast"]
    enabled: bool = True
    inverter: str  # the device whose capabilities carry the plan out (control/levers.py SUPPORT_LEVERS at least)
    battery: str  # a device reporting the battery's SoC (every device with the battery_soc role is averaged)
    interval: Annotated[float, Field(gt=0)] = 60.0  # seconds between looks (samples for the forecast, acting)
    replan_s: Annotated[float, Field(gt=0)] = 900.0
    # 24 h: as good as 36 h on eight 10-day backtests (the same share of the gap closed: the forecast knows no
    # weather beyond "like the last days", so a longer look adds little) at two thirds of the CPU.
    horizon_h: Annotated[float, Field(ge=24, le=48)] = 24.0
    step_s: Annotated[float, Field(ge=60, le=3600)] = 900.0  # the plan's resolution
    history_days: Annotated[int, Field(ge=1, le=14)] = 3  # the forecast's memory
    tariff: str | None = None  # a tariff file (solarctl/optimize/tariff.py); without it, the flat prices below
    import_price: Annotated[float, Field(ge=0)] = 0.30
    feed_in: Annotated[float, Field(ge=0)] = 0.0
    limits: ForecastLimitsConfig = Field(default_factory=ForecastLimitsConfig)
    pv_forecast: PvForecastConfig | None = None  # a PV forecast service; without it, the strategy's own
    _site: tuple[dict[str, str], PlantConfig] | None = PrivateAttr(default=None)
    _prices: Tariff | None = PrivateAttr(default=None)

    @field_validator("tariff")
    @classmethod
    def _readable_tariff(cls, path: str | None) -> str | None:
        if path is not None:
            load_tariff_file(path)  # a bad file is a config error now, not a strategy that fails later
        return path  # (device -> driver, [plant]) bound by the whole config

    def bind_site(self, drivers: dict[str, str], plant: PlantConfig) -> None:
        """What the strategy needs from the rest of the config: which drivers supply which roles, the site's
        place, arrays and (for limits not given here) its [plant] table."""
        self._site = (drivers, plant)

    def plan_with(self, tariff: Tariff) -> None:
        """Plan with this solarctl.optimize.tariff.Tariff instead of `tariff` / the flat prices (a backtest's
        tariff, for a table it made up itself)."""
        self._prices = tariff

    @property
    def prices(self) -> Tariff | None:
        """The Tariff given to `plan_with`, if any."""
        return self._prices

    @property
    def references(self) -> tuple[str, ...]:
        return (self.inverter, self.battery)

    def check_drivers(self, drivers: dict[str, str]) -> None:
        driver = drivers.get(self.inverter)
        if support_modes(registry.capabilities(driver)) is None:
            raise ValueError(f"forecast needs an inverter with the capability {' or '.join(SUPPORT_LEVERS)} (both "
                             f"grid_first and battery_first), which {self.inverter} ({driver}) does not have")

    @property
    def site(self) -> tuple[dict[str, str], PlantConfig]:
        if self._site is None:
            raise ValueError("the forecast strategy needs the whole config (load it with load_config)")
        return self._site


GuardKind = Literal["cell_low", "cell_high", "current_high", "temperature_high", "temperature_low", "bms_data_old"]


class GuardActionConfig(StrictModel):
    """A protective setting while a battery_guard condition holds, put back once it has been clear for
    `release_evaluations` evaluations in a row (e.g. a BMS's `capability = "discharge_switch"`, value false, on
    cell_low; an XW's `low_battery_cut_out` raised). Named by capability (devices/capabilities.py: value and restore
    true / false for an on/off one, numbers for a level) or by the device's own setting and values."""

    device: str | None = None  # None: the battery that raised the condition
    capability: str | None = None
    setting: str | None = None
    value: SettingValue  # while the condition holds
    restore: SettingValue  # once it has cleared
    release_evaluations: Annotated[int, Field(ge=1)] = 3

    @model_validator(mode="after")
    def _one_target(self) -> "GuardActionConfig":
        if (self.capability is None) == (self.setting is None):
            raise ValueError("an action names either a capability or a setting (one of them)")
        if self.capability is not None:
            Capabilities().named(self.capability)  # a name no driver could declare: say so now
        return self


class BatteryGuardStrategyConfig(StrategyTable):
    """The old battery monitor's checks on every battery device (found by catalogue role, not driver name)."""

    name: Literal["battery_guard"]
    enabled: bool = True
    batteries: list[str] = Field(default_factory=list)  # empty: every device whose driver reports cell voltages
    cell_low_v: float = 2.7
    cell_high_v: float = 3.6
    current_max_a: Annotated[float, Field(gt=0)] = 50.0
    temperature_low_c: float = 0.0
    temperature_high_c: float = 50.0
    data_max_age_s: Annotated[float, Field(gt=0)] = 600.0
    interval: Annotated[float, Field(gt=0)] = 30.0
    actions: dict[GuardKind, GuardActionConfig] = Field(default_factory=dict)

    @property
    def references(self) -> tuple[str, ...]:
        return (*self.batteries, *(a.device for a in self.actions.values() if a.device is not None))

    def check_drivers(self, drivers: dict[str, str]) -> None:
        guarded = self.batteries or [dev for dev, driver in drivers.items() if registry.offers_role(driver, "cell_voltages")]
        for kind, action in self.actions.items():
            if action.capability is None:
                continue
            candidates = [action.device] if action.device is not None else guarded
            able = {dev: cap for dev in candidates
                    if (cap := registry.capabilities(drivers.get(dev)).named(action.capability)) is not None}
            if not able:
                named = ", ".join(f"{dev} ({drivers.get(dev)})" for dev in candidates) or "no battery"
                raise ValueError(f"battery_guard's {kind} action needs the capability {action.capability!r}, which none "
                                 f"of the devices it would protect has: {named}")
            for dev, cap in able.items():
                for key in ("value", "restore"):
                    try:
                        set_to(cap, getattr(action, key))
                    except ValueError as exc:
                        raise ValueError(f"battery_guard actions.{kind}.{key} for {dev}'s {action.capability}: "
                                         f"{exc}") from None

    @model_validator(mode="after")
    def _limits(self) -> "BatteryGuardStrategyConfig":
        if self.cell_low_v >= self.cell_high_v:
            raise ValueError(f"cell_low_v ({self.cell_low_v}) must be below cell_high_v ({self.cell_high_v})")
        if self.temperature_low_c >= self.temperature_high_c:
            raise ValueError(f"temperature_low_c ({self.temperature_low_c}) must be below "
                             f"temperature_high_c ({self.temperature_high_c})")
        return self


StrategyConfig = Annotated[Union[SocBandStrategyConfig, GreedyOffgridStrategyConfig, ForecastStrategyConfig,
                                 BatteryGuardStrategyConfig], Field(discriminator="name")]
