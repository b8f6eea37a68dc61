"""The [alerts] table: when an alert clears, when a device counts as lost, when the status report is due."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, model_validator

from solarctl.strict_model import StrictModel


class ReleaseConfig(StrictModel):
    """An alert clears once its condition was found inactive `evaluations` times in a row and at least
    `seconds` after it was last active (both must hold)."""

    evaluations: Annotated[int, Field(ge=1)] = 3
    seconds: Annotated[float, Field(ge=0)] = 0.0


class StatusReportConfig(StrictModel):
    """An info event with the installation's figures, every `period_s` between `start_hour` and `end_hour`
    local time (the old scripts reported hourly between 15 and 21 h)."""

    start_hour: Annotated[int, Field(ge=0, le=23)] = 15
    end_hour: Annotated[int, Field(ge=1, le=24)] = 21
    period_s: Annotated[float, Field(gt=0)] = 3600.0
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _window(self) -> "StatusReportConfig":
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {self.timezone!r}; use an IANA name such as Europe/Vienna") from None
        if self.start_hour >= self.end_hour:
            raise ValueError(f"start_hour ({self.start_hour}) must be before end_hour ({self.end_hour})")
        return self


class AlertsConfig(StrictModel):
    release: ReleaseConfig = Field(default_factory=ReleaseConfig)  # the default for every kind
    release_by_kind: dict[str, ReleaseConfig] = Field(default_factory=dict)  # e.g. cell_low = {evaluations = 5}
    device_lost_s: Annotated[float, Field(gt=0)] = 300.0  # no good poll for this long -> device_lost
    health_interval: Annotated[float, Field(gt=0)] = 10.0  # seconds between two poll-health checks
    sink_down_s: Annotated[float, Field(gt=0)] = 60.0  # an output not delivering for this long -> sink_down
    report: StatusReportConfig | None = None  # no scheduled status report unless set

    def release_for(self, kind: str) -> ReleaseConfig:
        return self.release_by_kind.get(kind, self.release)
