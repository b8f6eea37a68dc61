"""[[strategy]] tables and the [control] safe-write settings."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

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

    @property
    def references(self) -> tuple[str, ...]:
        """The device names it refers to (each must be configured)."""
        return (self.inverter, self.battery)

    @model_validator(mode="after")
    def _band(self) -> "SocBandStrategyConfig":
        if self.soc_low >= self.soc_high:
            raise ValueError(f"soc_low ({self.soc_low}) must be below soc_high ({self.soc_high})")
        return self


GuardKind = Literal["cell_low", "cell_high", "current_high", "temperature_high", "temperature_low", "bms_data_old"]


class GuardActionConfig(StrictModel):
    """A protective setting while a battery_guard condition holds, put back once it has been clear for
    `release_evaluations` evaluations in a row (e.g. JK `discharge_enabled = "off"` on cell_low, XW
    `low_battery_cut_out` raised)."""

    device: str | None = None  # None: the battery that raised the condition
    setting: str
    value: SettingValue  # while the condition holds
    restore: SettingValue  # once it has cleared
    release_evaluations: Annotated[int, Field(ge=1)] = 3


class BatteryGuardStrategyConfig(StrictModel):
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

    @model_validator(mode="after")
    def _limits(self) -> "BatteryGuardStrategyConfig":
        if self.cell_low_v >= self.cell_high_v:
            raise ValueError(f"cell_low_v ({self.cell_low_v}) must be below cell_high_v ({self.cell_high_v})")
        if self.temperature_low_c >= self.temperature_high_c:
            raise ValueError(f"temperature_low_c ({self.temperature_low_c}) must be below "
                             f"temperature_high_c ({self.temperature_high_c})")
        return self


StrategyConfig = Annotated[Union[SocBandStrategyConfig, BatteryGuardStrategyConfig], Field(discriminator="name")]
