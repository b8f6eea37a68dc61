"""Energy accounting: cumulative Wh per flow, and calendar-period counters on the local clock.

The devices' "energy this hour / today / this week / this month / this year / lifetime" registers
come from here. The plant never lets a sub-step straddle a local hour boundary, so every Wh lands
in the right period. Weeks start on Monday (ISO).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from solarctl.plant.localtime import LocalCalendar, LocalHour

_PERIODS = ("day", "week", "month", "year")


@dataclass(frozen=True, slots=True)
class PeriodEnergy:
    """Energy of one flow in kWh, in the current local hour, day, ISO week, month, year, and ever."""

    hour: float
    day: float
    week: float
    month: float
    year: float
    lifetime: float


def _period_keys(hour: LocalHour) -> dict[str, tuple]:
    d = hour.local.date()
    return {"day": (d,), "week": tuple(d.isocalendar())[:2], "month": (d.year, d.month), "year": (d.year,)}


class EnergyLedger:
    def __init__(self, flows: Iterable[str], calendar: LocalCalendar, start: float) -> None:
        self.flows = tuple(flows)
        self._calendar = calendar
        self._lifetime = dict.fromkeys(self.flows, 0.0)
        self._hour = dict.fromkeys(self.flows, 0.0)
        # Closed hours of the current day/week/month/year; the open hour is added when read.
        self._closed = {p: dict.fromkeys(self.flows, 0.0) for p in _PERIODS}
        current = calendar.hour(start)
        self._keys = _period_keys(current)
        self.boundary = current.end  # epoch at which the current local hour ends

    def add_all(self, wh: dict[str, float]) -> None:
        """Book one sub-step: Wh per flow."""
        lifetime, hour = self._lifetime, self._hour
        for flow, value in wh.items():
            lifetime[flow] += value
            hour[flow] += value

    def total_wh(self, flow: str) -> float:
        """Lifetime energy of `flow` in Wh."""
        return self._lifetime[self._known(flow)]

    def roll(self, t: float) -> None:
        """Close the local hour that ended at or before `t`; reset the periods that ended with it."""
        new = self._calendar.hour(t)
        keys = _period_keys(new)
        for period in _PERIODS:
            closed = self._closed[period]
            if keys[period] != self._keys[period]:
                self._closed[period] = dict.fromkeys(self.flows, 0.0)
            else:
                for flow, wh in self._hour.items():
                    closed[flow] += wh
        self._hour = dict.fromkeys(self.flows, 0.0)
        self._keys = keys
        self.boundary = new.end

    def counters(self, flow: str) -> PeriodEnergy:
        flow = self._known(flow)
        hour = self._hour[flow]
        c = self._closed
        return PeriodEnergy(hour / 1000.0, (c["day"][flow] + hour) / 1000.0, (c["week"][flow] + hour) / 1000.0,
                            (c["month"][flow] + hour) / 1000.0, (c["year"][flow] + hour) / 1000.0,
                            self._lifetime[flow] / 1000.0)

    def lifetime_kwh(self, flow: str) -> float:
        """`counters(flow).lifetime` without the periods (simulated meters read it at every poll)."""
        return self._lifetime[self._known(flow)] / 1000.0

    def _known(self, flow: str) -> str:
        if flow not in self._lifetime:
            raise KeyError(f"unknown energy flow {flow!r}; known: {', '.join(self.flows)}")
        return flow
