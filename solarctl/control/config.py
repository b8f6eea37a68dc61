"""[[strategy]] tables and the [control] safe-write settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from solarctl.strict_model import StrictModel

SettingValue = Union[float, int, str, bool]


class ControlConfig(StrictModel):
    dry_run: bool = False  # validate and log every write, send none
    daily_write_budget: Annotated[int, Field(ge=1)] = 48  # per register per day (EEPROM wear)
    # The write counts every writer on the machine shares (default: DATA_DIR/write_budget.jsonl); point
    # every config on one machine at the same file, e.g. /var/lib/solarctl/write_budget.jsonl.
    budget_file: Path | None = None


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


StrategyConfig = SocBandStrategyConfig
