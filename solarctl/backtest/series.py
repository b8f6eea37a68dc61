"""Weather and load computed once per plant sub-step and shared by every strategy's run.

A backtest runs the same site several times (`none`, each strategy); the sun, the sky and the
household are the same each time, so their values are kept per sub-step (the plant asks at each
sub-step's middle). A time that is not such a middle is computed as the plant would.
"""

from __future__ import annotations

from solarctl.plant.localtime import LocalTime
from solarctl.plant.weather import Conditions, Weather
from solarctl.plant.load import LoadProfile


class _Grid:
    """Sub-step index of a plant time: `start + (k + 0.5) * substep_s` -> k, else None."""

    def __init__(self, start: float, substep_s: float, count: int) -> None:
        self.start, self.substep_s, self.count = start, substep_s, count

    def index(self, t: float) -> int | None:
        x = (t - self.start) / self.substep_s - 0.5
        k = round(x)
        return k if abs(x - k) < 1e-6 and 0 <= k < self.count else None


    def times(self) -> list[float]:
        return [self.start + (k + 0.5) * self.substep_s for k in range(self.count)]


class SharedWeather:
    def __init__(self, weather: Weather, grid: _Grid) -> None:
        self._weather = weather
        self._grid = grid
        self._seen: list[Conditions | None] = [None] * grid.count

    def conditions(self, t: float) -> Conditions:
        k = self._grid.index(t)
        if k is None:
            return self._weather.conditions(t)
        found = self._seen[k]
        if found is None:
            found = self._seen[k] = self._weather.conditions(t)
        return found

    def fill(self) -> None:
        """Every sub-step's conditions now (before runs fork, so that each does not compute them again)."""
        for t in self._grid.times():
            self.conditions(t)


class SharedLoad:
    def __init__(self, load: LoadProfile, grid: _Grid) -> None:
        self._load = load
        self._grid = grid
        self._seen: list[float | None] = [None] * grid.count

    def demand_w(self, t: float, local: LocalTime) -> float:
        k = self._grid.index(t)
        if k is None:
            return self._load.demand_w(t, local)
        found = self._seen[k]
        if found is None:
            found = self._seen[k] = self._load.demand_w(t, local)
        return found

    def fill(self, calendar) -> None:
        """Every sub-step's demand now; `calendar`: the site's LocalCalendar."""
        for t in self._grid.times():
            self.demand_w(t, calendar.at(t))


def shared_inputs(weather: Weather, load: LoadProfile, start: float, substep_s: float,
                  seconds: float) -> tuple[SharedWeather, SharedLoad]:
    grid = _Grid(start, substep_s, int(seconds / substep_s) + 1)
    return SharedWeather(weather, grid), SharedLoad(load, grid)
