"""Household electricity demand, scaled to the configured annual consumption.

`builtin`: a 24-hour shape (morning and evening peaks; later, fuller weekends), a winter-high
seasonal factor, and small seeded noise. `demandlib`: the BDEW 2025 household standard load
profile (H25, 15-minute values) from demandlib's package data, with the same noise on top.
Both see the site's local wall-clock time.
"""

from __future__ import annotations

import math
from typing import Protocol

from solarctl.plant.config import PlantConfig
from solarctl.plant.extras import quiet_deprecations, require
from solarctl.plant.localtime import LocalTime
from solarctl.plant.noise import Noise

# Relative demand at the start of each local hour; each list is normalised to mean 1 below.
_WEEKDAY = [0.55, 0.5, 0.45, 0.45, 0.45, 0.5, 0.8, 1.3, 1.2, 0.9, 0.85, 0.9,
            1.1, 1.0, 0.85, 0.85, 0.95, 1.3, 1.7, 1.9, 1.8, 1.5, 1.1, 0.8]
_WEEKEND = [0.6, 0.55, 0.5, 0.45, 0.45, 0.45, 0.55, 0.8, 1.2, 1.45, 1.4, 1.4,
            1.55, 1.35, 1.1, 1.0, 1.05, 1.3, 1.65, 1.8, 1.7, 1.45, 1.1, 0.8]
_WEEKEND_RATIO = 1.1  # a weekend day uses 10 % more than a weekday
_SEASON_SWING = 0.25  # ± around the mean, highest mid-January
_HOURS_PER_YEAR = 8766.0


def _normalised(shape: list[float]) -> list[float]:
    mean = sum(shape) / len(shape)
    return [v / mean for v in shape]


class LoadProfile(Protocol):
    def demand_w(self, t: float, local: LocalTime) -> float: ...


def make_load(config: PlantConfig) -> LoadProfile:
    if config.load_profile == "demandlib":
        return BdewLoad(config)
    return BuiltinLoad(config)


class BuiltinLoad:
    def __init__(self, config: PlantConfig) -> None:
        mean_w = config.load.annual_kwh * 1000.0 / _HOURS_PER_YEAR
        weekday_w = mean_w * 7.0 / (5.0 + 2.0 * _WEEKEND_RATIO)
        self._weekday = [weekday_w * v for v in _normalised(_WEEKDAY)]
        self._weekend = [weekday_w * _WEEKEND_RATIO * v for v in _normalised(_WEEKEND)]
        self._noise = Noise(config.seed, config.load.noise_pct / 100.0)

    def demand_w(self, t: float, local: LocalTime) -> float:
        shape = self._weekend if local.weekday >= 5 else self._weekday
        h = local.seconds_of_day / 3600.0
        i = int(h) % 24
        base = shape[i] + (shape[(i + 1) % 24] - shape[i]) * (h - int(h))
        season = 1.0 + _SEASON_SWING * math.cos(2.0 * math.pi * (local.day_of_year - 15) / 365.25)
        return base * season * self._noise.factor(t)


class BdewLoad:
    SLOT_S = 900.0

    def __init__(self, config: PlantConfig) -> None:
        self._bdew = require("demandlib.bdew", 'load_profile = "demandlib"')
        self._annual_kwh = config.load.annual_kwh
        self._noise = Noise(config.seed, config.load.noise_pct / 100.0)
        self._years: dict[int, list[float]] = {}

    def demand_w(self, t: float, local: LocalTime) -> float:
        slots = self._year(local.year)
        i = min(int(local.seconds_of_year / self.SLOT_S), len(slots) - 1)
        return slots[i] * self._noise.factor(t)

    def _year(self, year: int) -> list[float]:
        slots = self._years.get(year)
        if slots is None:
            import pandas as pd

            index = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="15min", inclusive="left")
            with quiet_deprecations():
                profile = self._bdew.H25(index).to_numpy(dtype=float)
            # Scale so the year's mean power is exactly the configured consumption.
            hours = len(profile) / 4.0
            slots = (profile * (self._annual_kwh * 1000.0 / hours) / profile.mean()).tolist()
            self._years = {year: slots}
        return slots
