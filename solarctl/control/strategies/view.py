"""What a strategy sees: the latest values of each device, how old they are, and whether the latest poll failed.

A read-only snapshot taken at `now`. The daemon builds it from the state hub (control/runner.py), the
offline runner from a plant model (control/plant_devices.py); strategies cannot tell the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from solarctl.sample import Value

if TYPE_CHECKING:
    from solarctl.devices.base import Device

# (device, setting) -> the metric that reports that setting's current value; None if it has no such setting.
SettingMetric = Callable[[str, str], "str | None"]


def setting_metrics(devices: Mapping[str, Device]) -> SettingMetric:
    """(device, setting) -> the metric its driver publishes that setting's value under."""
    def metric(device: str, setting: str) -> str | None:
        found = devices.get(device)
        reg = found.setting(setting) if found is not None else None
        return None if reg is None else reg.name
    return metric


@dataclass(frozen=True)
class Latest:
    """One device as last seen."""

    values: Mapping[str, Value]  # last good value per metric
    sampled_at: float | None  # when the last good sample was taken; None if never
    failed: bool = False  # the latest poll failed (the values are stale)
    # Until when a device never read yet is "not yet" rather than lost: its first poll's chance (start +
    # poll_interval + timeout). None: no such grace (a view built by hand, the offline plant).
    first_due: float | None = None


class View:
    def __init__(self, now: float, latest: Mapping[str, Latest], setting_metric: SettingMetric) -> None:
        self.now = now
        self._latest = latest
        self._setting_metric = setting_metric

    def value(self, device: str, metric: str) -> Value | None:
        """The last good value of `metric` (check `fresh` before acting on it)."""
        latest = self._latest.get(device)
        return None if latest is None else latest.values.get(metric)

    def age(self, device: str) -> float | None:
        """Seconds since the last good sample; None if there never was one."""
        latest = self._latest.get(device)
        if latest is None or latest.sampled_at is None:
            return None
        return self.now - latest.sampled_at

    def failed(self, device: str) -> bool:
        latest = self._latest.get(device)
        return latest is not None and latest.failed

    def fresh(self, device: str, max_age: float) -> bool:
        """True if the latest poll succeeded and is at most `max_age` seconds old."""
        latest = self._latest.get(device)  # once: strategies ask this of every source on every look
        return (latest is not None and latest.sampled_at is not None and not latest.failed
                and self.now - latest.sampled_at <= max_age)

    def waiting(self, device: str) -> bool:
        """Never read yet, and its first poll could not have happened yet: not a loss."""
        latest = self._latest.get(device)
        return (latest is not None and latest.sampled_at is None and latest.first_due is not None
                and self.now < latest.first_due)

    def setting(self, device: str, setting: str) -> Value | None:
        """A setting's value as the latest successful poll read it; None if unknown (never read, or the poll failed)."""
        metric = self._setting_metric(device, setting)
        if metric is None or self.age(device) is None or self.failed(device):
            return None
        return self.value(device, metric)
