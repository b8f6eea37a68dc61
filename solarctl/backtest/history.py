"""A user's own history as plant inputs: one `History` (values over time, each held until the next) fed from a
CSV file of `time,<value>` rows or from the database's installation minutes.

CSV: `time` is an ISO 8601 date-time (with its UTC offset; without one it is taken as UTC) or epoch seconds.
Database (`--load db`, `--weather db`): the `(installation)` rows of `rollup_1m` (store/minutes.py), the mean
of each minute. A missing minute is held from the one before; a gap longer than `HOLD_MINUTES` is filled with
the mean of the same local time of day on the stored days that have it, and `filled_hours` says how much was.
Load: household demand in W. PV: measured PV power in W, replayed as the irradiance that makes the site's
arrays produce it (scaled from their peak power), so the plant's own limits still apply.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from solarctl.plant.config import PlantConfig
from solarctl.plant.localtime import LocalTime
from solarctl.plant.weather import Conditions, air_temperature

MINUTE = 60.0
HOLD_MINUTES = 15  # a gap up to this long holds the last value; a longer one is filled by time of day


class HistoryError(ValueError):
    """A history file that cannot be used, as one sentence naming the fix."""


def _epoch(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        stamp = dt.datetime.fromisoformat(text)
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)).timestamp()


class History:
    """Values of one quantity over time, each held until the next; `filled_hours`: how much of it was made up
    for gaps (database minutes only)."""

    def __init__(self, rows: list[tuple[float, float]], filled_hours: float = 0.0) -> None:
        rows = sorted(rows)
        self.times = [t for t, _ in rows]
        self.values = [v for _, v in rows]
        self.filled_hours = filled_hours

    @classmethod
    def from_csv(cls, path: Path, column: str) -> "History":
        try:
            with open(path, newline="", encoding="utf-8") as fh:
                rows = [(_epoch(r["time"]), float(r[column])) for r in csv.DictReader(fh)]
        except OSError as exc:
            raise HistoryError(f"cannot read {path}: {exc.strerror}; give the path of a CSV file") from None
        except (KeyError, ValueError, TypeError):
            raise HistoryError(f"{path}: every row needs a time and a number in columns 'time' and '{column}'; "
                               "fix the file's header or values") from None
        if not rows:
            raise HistoryError(f"{path}: no rows; give a CSV file with 'time,{column}' rows")
        return cls(rows)

    @classmethod
    def from_minutes(cls, minutes: list[tuple[float, float]], lo: float, hi: float, zone: str) -> "History":
        """Every minute of [lo, hi) from stored (minute start, mean) pairs, gaps held or filled (module doc)."""
        stored = {round(t): v for t, v in minutes}
        calendar = ZoneInfo(zone)

        def minute_of_day(t: float) -> int:
            local = dt.datetime.fromtimestamp(t, calendar)
            return local.hour * 60 + local.minute

        by_time: dict[int, list[float]] = {}
        for t, v in stored.items():
            entry = by_time.setdefault(minute_of_day(t), [0.0, 0.0])
            entry[0] += v
            entry[1] += 1
        overall = sum(stored.values()) / len(stored)
        first = lo - (lo % MINUTE)
        grid = [first + i * MINUTE for i in range(int((hi - first + MINUTE - 1) // MINUTE))]
        rows: list[tuple[float, float]] = []
        filled = 0
        i = 0
        while i < len(grid):
            value = stored.get(round(grid[i]))
            if value is not None:
                rows.append((grid[i], value))
                i += 1
                continue
            j = i
            while j < len(grid) and round(grid[j]) not in stored:
                j += 1
            if j - i > HOLD_MINUTES or not rows:  # a long gap, or nothing before it to hold
                for t in grid[i:j]:
                    total, count = by_time.get(minute_of_day(t), (overall, 1.0))
                    rows.append((t, total / count))
                filled += j - i
            i = j
        return cls(rows, filled * MINUTE / 3600.0)

    def at(self, t: float) -> float:
        return self.values[max(0, bisect.bisect_right(self.times, t) - 1)]


class HistoryLoad:
    def __init__(self, history: History) -> None:
        self.history = history

    def demand_w(self, t: float, local: LocalTime) -> float:
        return max(0.0, self.history.at(t))


class HistoryWeather:
    def __init__(self, history: History, config: PlantConfig) -> None:
        self.history = history
        self._w_m2_per_w = 1000.0 / sum(a.peak_w for a in config.pv_arrays)
        self._arrays = len(config.pv_arrays)
        self._config = config

    def conditions(self, t: float) -> Conditions:
        poa = max(0.0, self.history.at(t)) * self._w_m2_per_w
        day = dt.datetime.fromtimestamp(t, dt.timezone.utc).timetuple().tm_yday
        return Conditions((poa,) * self._arrays, air_temperature(t, day, self._config.longitude, self._config.climate))
