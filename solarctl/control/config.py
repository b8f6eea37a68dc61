"""[[strategy]] tables and the [control] safe-write settings."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, PrivateAttr, field_validator, model_validator

from solarctl.optimize.tariff import Tariff
from solarctl.strict_model import StrictModel

SettingValue = Union[float, int, str, bool]


class ControlConfig(StrictModel):
    dry_run: bool = False  # validate and log every write, send none
    daily_write_budget: Annotated[int, Field(ge=1)] = 48  # per register per day (EEPROM wear)


class SocBandStrategyConfig(StrictModel):
    """The old SCP control loop: switch an inverter setting on above soc_high, off below soc_low."""

    name: Literal["soc_band"]
    enabled: bool = True
    inverter: str  # device name of the inverter whose setting is switched
    battery: str  # device name whose `soc` (%) drives the decision
    setting: str = "load_shave"
    soc_high: Annotated[float, Field(ge=0, le=100)] = 80.0
    soc_low: Annotated[float, Field(ge=0, le=100)] = 20.0
    interval: Annotated[float, Field(gt=0)] = 30.0
    on_start: dict[str, SettingValue] = Field(default_factory=dict)  # settings written when control starts
    on_stop: dict[str, SettingValue] = Field(default_factory=dict)  # settings restored when it stops

    @model_validator(mode="after")
    def _band(self) -> "SocBandStrategyConfig":
        if self.soc_low >= self.soc_high:
            raise ValueError(f"soc_low ({self.soc_low}) must be below soc_high ({self.soc_high})")
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


class ForecastStrategyConfig(StrictModel):
    """Model-predictive control: every `replan_s` the cheapest plan for the next `horizon_h` on a forecast made
    from what it has seen, carried out through the inverter's settings until the next plan."""

    name: Literal["forecast"]
    enabled: bool = True
    inverter: str  # the device whose settings carry the plan out (conext_xw or must_pv1800)
    battery: str  # a device reporting the battery's SoC (every device with the battery_soc role is averaged)
    interval: Annotated[float, Field(gt=0)] = 60.0  # seconds between looks (samples for the forecast, acting)
    replan_s: Annotated[float, Field(gt=0)] = 900.0
    horizon_h: Annotated[float, Field(ge=24, le=48)] = 36.0
    step_s: Annotated[float, Field(ge=60, le=3600)] = 900.0  # the plan's resolution
    history_days: Annotated[int, Field(ge=1, le=14)] = 3  # the forecast's memory
    tariff: str | None = None  # a tariff file (solarctl/optimize/tariff.py); without it, the flat prices below
    import_price: Annotated[float, Field(ge=0)] = 0.30
    feed_in: Annotated[float, Field(ge=0)] = 0.0
    limits: ForecastLimitsConfig = Field(default_factory=ForecastLimitsConfig)
    _site: object = PrivateAttr(default=None)

    @field_validator("tariff")
    @classmethod
    def _readable_tariff(cls, path: str | None) -> str | None:
        if path is not None:
            Tariff.load(path)  # a bad file is a config error now, not a strategy that fails later
        return path  # (device -> driver, [plant]) bound by the whole config

    def bind_site(self, drivers: dict[str, str], plant) -> None:
        """What the strategy needs from the rest of the config: which drivers supply which roles, the site's
        place, arrays and (for limits not given here) its [plant] table."""
        self._site = (drivers, plant)

    @property
    def site(self):
        if self._site is None:
            raise ValueError("the forecast strategy needs the whole config (load it with load_config)")
        return self._site


StrategyConfig = Annotated[Union[SocBandStrategyConfig, ForecastStrategyConfig], Field(discriminator="name")]
