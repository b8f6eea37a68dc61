"""One read model beside the hub: each device's status (fresh, stale, failed, never read), its values, their
age and the latest poll's error, derived here once and worded here once.

Every consumer asks this module: the control API's `read`, the web page's live data, the MQTT sink (over its
own copy of the device's state, fed by the same events), Telegram's /status, the demo's table, and the view
the strategies and the plausibility checks see. So a device is never fresh for one of them and stale for another.

  fresh   the latest poll succeeded, at most `stale_after` s ago
  stale   the latest poll succeeded, longer ago than that (polling has stalled)
  failed  the latest poll failed (the last good values, if any, are kept but not current)
  never   no poll has delivered or failed yet
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from solarctl.hub import DeviceState, StateHub
from solarctl.sample import Value

Status = Literal["fresh", "stale", "failed", "never"]
STATUSES: tuple[Status, ...] = ("fresh", "stale", "failed", "never")
NOT_POLLED = "not polled yet"  # the reason of a device never read


class PollTimes(Protocol):
    """What `stale_after` needs of a `[[device]]` table."""

    @property
    def poll_interval(self) -> float: ...

    @property
    def timeout(self) -> float: ...


class Now(Protocol):
    def time(self) -> float: ...


def stale_after(device_config: PollTimes) -> float:
    """Age at which a device's latest values no longer count as current: three missed polls."""
    return 3 * device_config.poll_interval + device_config.timeout


@dataclass(frozen=True)
class DeviceStatus:
    """One device as every front end shows it."""

    name: str
    status: Status
    values: Mapping[str, Value]  # the last good value of each metric (current only when `fresh`)
    units: Mapping[str, str]
    alarms: tuple[str, ...]
    sampled_at: float | None  # the last good poll; None if there never was one
    age: float | None  # seconds since then
    error: str | None  # the latest poll's failure, while it is the latest
    stale_after: float

    @property
    def fresh(self) -> bool:
        return self.status == "fresh"

    @property
    def reason(self) -> str | None:
        """Why the values are not current, in the one wording every front end uses; None while fresh."""
        if self.status == "failed":
            return self.error
        if self.status == "never":
            return NOT_POLLED
        if self.status == "stale":
            return f"its latest values are {self.age or 0.0:.0f} s old (stale after {self.stale_after:g} s)"
        return None

    def as_dict(self) -> dict[str, Any]:
        """The status as the JSON front ends carry it (values apart)."""
        return {"status": self.status, "reason": self.reason, "sampled_at": self.sampled_at}


def device_status(name: str, state: DeviceState | None, now: float, limit: float) -> DeviceStatus:
    """The one derivation: a device's state (the hub's, or a sink's copy fed the same events) at `now`."""
    state = state or DeviceState(name)
    sampled = state.last_sample_at
    age = None if sampled is None else now - sampled
    status: Status
    if state.error is not None:
        status = "failed"
    elif age is None:
        status = "never"
    elif age > limit:
        status = "stale"
    else:
        status = "fresh"
    return DeviceStatus(name, status, state.values, state.units, state.alarms, sampled, age, state.error, limit)


class ReadModel:
    """The hub's devices as statuses at the clock's present; `limits`: device -> `stale_after` of each polled device."""

    def __init__(self, hub: StateHub, limits: Mapping[str, float], clock: Now) -> None:
        self.hub = hub
        self.limits = dict(limits)
        self.clock = clock

    @classmethod
    def of(cls, hub: StateHub, devices: Iterable[Any], clock: Now) -> ReadModel:
        """From `[[device]]` tables (each with `name`, `poll_interval`, `timeout`)."""
        return cls(hub, {d.name: stale_after(d) for d in devices}, clock)

    @property
    def names(self) -> list[str]:
        return list(self.limits)

    def status(self, name: str, now: float | None = None) -> DeviceStatus:
        """`name`'s status (KeyError for a device this model does not cover)."""
        return device_status(name, self.hub.devices.get(name), self.clock.time() if now is None else now,
                             self.limits[name])

    def statuses(self, now: float | None = None) -> dict[str, DeviceStatus]:
        at = self.clock.time() if now is None else now
        return {name: self.status(name, at) for name in self.limits}
