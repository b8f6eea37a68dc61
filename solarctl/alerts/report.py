"""The scheduled status report: an info event every `period_s` inside a local-time window (the old scripts'
hourly report between 15 and 21 h), with the installation's main values by catalogue role."""

from __future__ import annotations

from datetime import datetime
from typing import Mapping
from zoneinfo import ZoneInfo

from solarctl.alerts.config import StatusReportConfig
from solarctl.alerts.model import Condition
from solarctl.sample import Value

# Role -> how the report names it; the values are the devices' metrics with that role.
REPORTED = {"battery_soc": "SoC %", "pv_power": "PV W", "load_power": "load W", "grid_power": "grid W"}


class StatusReport:
    def __init__(self, config: StatusReportConfig) -> None:
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self._last: float | None = None

    def due(self, now: float) -> bool:
        """Inside the window and a period since the last report (the first one in a window at once)."""
        hour = datetime.fromtimestamp(now, self.zone).hour
        if not self.config.start_hour <= hour < self.config.end_hour:
            return False
        if self._last is not None and now - self._last < self.config.period_s:
            return False
        self._last = now
        return True

    @staticmethod
    def condition(values: Mapping[str, Mapping[str, Value]]) -> Condition:
        """`values`: role -> device -> value."""
        parts = [f"{device} {label.split()[0]} {value:g} {label.split()[1]}"
                 for role, label in REPORTED.items() for device, value in values.get(role, {}).items()
                 if isinstance(value, (int, float)) and not isinstance(value, bool)]
        flat = {f"{device}.{role}": value for role, found in values.items() for device, value in found.items()}
        return Condition("status_report", None, True, "info", "status: " + (", ".join(parts) or "no values yet"), flat)
