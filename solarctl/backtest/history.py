"""A user's own history as plant inputs: CSV files of `time,<value>` rows, each value held until the next row.

`time` is an ISO 8601 date-time (with its UTC offset; without one it is taken as UTC) or epoch seconds.
Load: household demand in W. PV: measured PV power in W, replayed as the irradiance that makes the
site's arrays produce it (scaled from their peak power), so the plant's own limits still apply.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
from pathlib import Path

from solarctl.plant.config import PlantConfig
from solarctl.plant.localtime import LocalTime
from solarctl.plant.weather import Conditions, air_temperature


class HistoryError(ValueError):
    """A history file that cannot be used, as one sentence naming the fix."""


def _epoch(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        stamp = dt.datetime.fromisoformat(text)
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)).timestamp()


class History:
    """Values of one column over time, read from a CSV file with a header row."""

    def __init__(self, path: Path, column: str) -> None:
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
        rows.sort()
        self.times = [t for t, _ in rows]
        self.values = [v for _, v in rows]

    def at(self, t: float) -> float:
        return self.values[max(0, bisect.bisect_right(self.times, t) - 1)]


class HistoryLoad:
    def __init__(self, path: Path) -> None:
        self._history = History(path, "load_w")

    def demand_w(self, t: float, local: LocalTime) -> float:
        return max(0.0, self._history.at(t))


class HistoryWeather:
    def __init__(self, path: Path, config: PlantConfig) -> None:
        self._history = History(path, "pv_w")
        self._w_m2_per_w = 1000.0 / sum(a.peak_w for a in config.pv_arrays)
        self._arrays = len(config.pv_arrays)
        self._config = config

    def conditions(self, t: float) -> Conditions:
        poa = max(0.0, self._history.at(t)) * self._w_m2_per_w
        day = dt.datetime.fromtimestamp(t, dt.timezone.utc).timetuple().tm_yday
        return Conditions((poa,) * self._arrays, air_temperature(t, day, self._config.longitude, self._config.climate))
