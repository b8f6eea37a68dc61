"""The plant's local calendar: wall-clock time in the site's timezone, cheap to ask every sub-step.

Zone lookups are cached per local hour, so a sub-step costs a comparison, not a tz conversion.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import NamedTuple


class LocalTime(NamedTuple):
    seconds_of_day: float  # local wall-clock seconds since local midnight
    weekday: int  # Monday = 0
    day_of_year: int  # 1-based
    year: int
    seconds_of_year: float  # local wall-clock seconds since 1 January 00:00


class LocalHour(NamedTuple):
    start: float  # epoch of the local hour's start
    end: float  # epoch of the next local hour's start
    local: dt.datetime  # aware local datetime at `start`
    offset: float  # UTC offset in seconds during this hour
    day_of_year: int
    day_start_wall: float  # local midnight as wall-clock seconds since 1970-01-01 00:00 (local)
    year_start_wall: float


class LocalCalendar:
    def __init__(self, timezone: str) -> None:
        self.zone = zoneinfo.ZoneInfo(timezone)
        self._hour: LocalHour | None = None

    def hour(self, t: float) -> LocalHour:
        """The local clock hour containing epoch `t`."""
        h = self._hour
        if h is None or not h.start <= t < h.end:
            h = self._hour = self._compute_hour(t)
        return h

    def at(self, t: float) -> LocalTime:
        h = self.hour(t)
        wall = t + h.offset
        return LocalTime(wall - h.day_start_wall, h.local.weekday(), h.day_of_year, h.local.year,
                         wall - h.year_start_wall)

    def _compute_hour(self, t: float) -> LocalHour:
        floor = dt.datetime.fromtimestamp(t, self.zone).replace(minute=0, second=0, microsecond=0)
        start = floor.timestamp()
        offset = floor.utcoffset()
        assert offset is not None  # a ZoneInfo datetime always has one
        wall_start = start + offset.total_seconds()
        year_start = dt.datetime(floor.year, 1, 1, tzinfo=dt.timezone.utc).timestamp()
        return LocalHour(start, start + 3600.0, floor, offset.total_seconds(), floor.timetuple().tm_yday,
                         wall_start - floor.hour * 3600.0, year_start)
