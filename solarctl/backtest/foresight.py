"""What the forecast strategy may know of the sun in a backtest: `forecast:perfect` plans on the plant's true
PV (the optimum's foresight, through the strategy's own settings and re-plans), `forecast:imperfect` on that PV
as a day-ahead forecast gets it wrong. Both reach the strategy the way a PV forecast service does (its
`pv_feed`), so the same code path is judged; load stays the strategy's own forecast from what it has seen.

The errors of a day-ahead PV forecast, per local day (one forecast a day, as the services' free plans give):
- level: the day's whole output misjudged, log-normal with `day_sigma` (a cloudy day forecast sunny);
- timing: the day's weather early or late by a normal `shift_sigma_h` hours (a front arriving at another hour);
- cloud misses: hour-to-hour noise, AR(1) with `hour_sigma` and correlation `hour_rho` between hours.
Defaults give a relative RMSE of 38 % of the mean daylight power on the clear-sky weather and 49 % on the DWD
test-reference year (try:13; March-April at the solar-station site, hourly samples: `error_figures` measures it
on each scenario; `simulate --forecast-error` prints it), at or above the size published for single-site day-ahead PV forecasts from NWP in Germany (Lorenz et al. 2009,
IEEE J-STARS 2(1): single sites ~36 % rRMSE; Perez et al. 2013, Solar Energy 94: day-ahead hourly GHI rRMSE
~30-50 % for central European sites). These figures are quoted as remembered from the papers, not re-checked.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zoneinfo
from dataclasses import dataclass, field

from solarctl.backtest.scenario import Scenario
from solarctl.feeds.feed import FeedStatus
from solarctl.plant.pv import PvArray

PERFECT, IMPERFECT = "perfect", "imperfect"


@dataclass(frozen=True)
class ForecastErrorModel:
    day_sigma: float = 0.20
    shift_sigma_h: float = 0.5
    hour_sigma: float = 0.20
    hour_rho: float = 0.7
    seed: int = 1


@dataclass
class ScenarioPv:
    """A PV forecast from the scenario itself, in the shape the strategy's `pv_feed` has."""

    scenario: Scenario
    errors: ForecastErrorModel | None = None  # None: perfect
    status: FeedStatus = field(default_factory=lambda: FeedStatus("ok"))
    _arrays: list[PvArray] = field(init=False)
    _days: dict[dt.date, tuple[float, float]] = field(default_factory=dict)  # day -> (level factor, shift s)
    _noise: list[float] = field(default_factory=list)  # per hour from the scenario's start

    def __post_init__(self) -> None:
        plant = self.scenario.config.plant
        self._arrays = [PvArray(a) for a in plant.pv_arrays]
        self._volts = plant.battery.cells_in_series * 3.3
        self._zone = zoneinfo.ZoneInfo(plant.timezone)
        self._random = random.Random(self.errors.seed if self.errors else 0)

    @property
    def name(self) -> str:
        return PERFECT if self.errors is None else IMPERFECT

    def failing_for(self, now: float) -> float:
        return 0.0

    def true_w(self, t: float) -> float:
        sky = self.scenario.weather.conditions(t)
        return sum(a.illuminate(poa, sky.air_temp_c, self._volts) for a, poa in zip(self._arrays, sky.poa_w_m2))

    def forecast_w(self, t: float) -> float:
        if self.errors is None:
            return self.true_w(t)
        level, shift = self._day(dt.datetime.fromtimestamp(t, self._zone).date())
        return max(0.0, self.true_w(t + shift) * level * (1.0 + self._hour_noise(t)))

    def watts(self, middles: list[float], now: float) -> list[float | None]:
        return [self.forecast_w(t) for t in middles]

    def _day(self, day: dt.date) -> tuple[float, float]:
        if day not in self._days:
            e = self.errors
            assert e is not None
            rng = random.Random(e.seed * 1_000_003 + day.toordinal())  # the same day, the same forecast, every plan
            level = math.exp(rng.gauss(0.0, e.day_sigma) - e.day_sigma ** 2 / 2)  # mean 1: no bias on average
            self._days[day] = (level, rng.gauss(0.0, e.shift_sigma_h) * 3600.0)
        return self._days[day]

    def _hour_noise(self, t: float) -> float:
        e = self.errors
        assert e is not None
        k = max(0, int((t - self.scenario.start) // 3600))
        innovation = e.hour_sigma * math.sqrt(1 - e.hour_rho ** 2)  # keeps the noise's spread at hour_sigma
        while len(self._noise) <= k:
            if self._noise:
                self._noise.append(e.hour_rho * self._noise[-1] + self._random.gauss(0.0, innovation))
            else:
                self._noise.append(self._random.gauss(0.0, e.hour_sigma))
        return self._noise[k]


def split_name(name: str) -> tuple[str, str | None]:
    """`forecast:imperfect` -> ("forecast", "imperfect"); a plain name has no foresight."""
    base, _, foresight = name.partition(":")
    if foresight and foresight not in (PERFECT, IMPERFECT):
        raise ValueError(f"strategy {name!r}: after the colon give {PERFECT} or {IMPERFECT}")
    return base, foresight or None


def foresee(strategies: list[object], scenario: Scenario, name: str, errors: ForecastErrorModel | None = None) -> None:
    """Give each strategy that takes a PV forecast the scenario's, as `name` asks."""
    _, foresight = split_name(name)
    if foresight is None:
        return
    for strategy in strategies:
        if hasattr(strategy, "pv_feed"):
            strategy.pv_feed = ScenarioPv(scenario, None if foresight == PERFECT else errors or ForecastErrorModel())


def error_figures(scenario: Scenario, errors: ForecastErrorModel | None = None, step_s: float = 3600.0) -> dict[str, float]:
    """The imperfect forecast's relative RMSE and bias against the true PV over the scenario's daylight hours."""
    truth, guess = ScenarioPv(scenario), ScenarioPv(scenario, errors or ForecastErrorModel())
    pairs = [(truth.true_w(t), guess.forecast_w(t)) for t in
             (scenario.start + (i + 0.5) * step_s for i in range(int(scenario.seconds // step_s)))]
    day = [(a, f) for a, f in pairs if a > 0 or f > 0]
    mean = sum(a for a, _ in day) / len(day) if day else 0.0
    if not day or mean <= 0:
        return {"rrmse": 0.0, "bias": 0.0}
    rmse = math.sqrt(sum((f - a) ** 2 for a, f in day) / len(day))
    return {"rrmse": rmse / mean, "bias": sum(f - a for a, f in day) / len(day) / mean}
