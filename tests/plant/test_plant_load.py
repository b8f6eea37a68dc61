"""Built-in household load: annual scale, daily shape, weekday/weekend, season, deterministic noise."""

from __future__ import annotations

import pytest

from plant_helpers import local_epoch
from solarctl.plant import PlantConfig
from solarctl.plant.load import BuiltinLoad
from solarctl.plant.localtime import LocalCalendar

CALENDAR = LocalCalendar("Europe/Vienna")


def demand(load: BuiltinLoad, t: float) -> float:
    return load.demand_w(t, CALENDAR.at(t))


def daily_kwh(load: BuiltinLoad, date: tuple[int, int, int], step_s: float = 300.0) -> float:
    start = local_epoch(*date)
    return sum(demand(load, start + k * step_s) for k in range(int(86400 / step_s))) * step_s / 3.6e6


def hourly(load: BuiltinLoad, date: tuple[int, int, int]) -> list[float]:
    """Mean demand per local hour (W)."""
    start = local_epoch(*date)
    return [sum(demand(load, start + h * 3600 + m * 60) for m in range(60)) / 60 for h in range(24)]


def test_a_year_adds_up_to_the_annual_consumption():
    load = BuiltinLoad(PlantConfig.model_validate({"load": {"annual_kwh": 4000}}))
    start, step = local_epoch(2025, 1, 1), 900.0
    total = sum(demand(load, start + k * step) for k in range(int(365 * 86400 / step))) * step / 3.6e6
    assert total == pytest.approx(4000 * 365 / 365.25, rel=0.01)


def test_weekday_has_morning_and_evening_peaks():
    load = BuiltinLoad(PlantConfig())
    h = hourly(load, (2025, 3, 12))  # a Wednesday
    night = sum(h[1:5]) / 4
    assert max(h[6:9]) > 1.8 * night  # breakfast
    assert max(range(24), key=h.__getitem__) in range(18, 22)  # the evening is the day's peak
    assert max(h[18:22]) > 3 * night
    assert min(h[10:16]) < max(h[6:9])  # a dip while everyone is out


def test_weekend_mornings_are_later_and_days_fuller():
    load = BuiltinLoad(PlantConfig())
    weekday, sunday = hourly(load, (2025, 3, 12)), hourly(load, (2025, 3, 16))
    assert sunday[7] < weekday[7] and sunday[10] > weekday[10]
    assert sum(sunday) > 1.05 * sum(weekday)


def test_winter_uses_more_than_summer():
    load = BuiltinLoad(PlantConfig())
    assert daily_kwh(load, (2025, 1, 15)) > 1.4 * daily_kwh(load, (2025, 7, 16))


def test_noise_is_seeded_small_and_independent_of_how_time_is_sampled():
    a, b = BuiltinLoad(PlantConfig(seed=7)), BuiltinLoad(PlantConfig(seed=7))
    other = BuiltinLoad(PlantConfig(seed=8))
    quiet = BuiltinLoad(PlantConfig.model_validate({"seed": 7, "load": {"noise_pct": 0}}))
    start = local_epoch(2025, 5, 5, 12)
    times = [start + k * 7.3 for k in range(500)]
    forward = [demand(a, t) for t in times]
    backward = [demand(b, t) for t in reversed(times)][::-1]
    assert forward == backward
    assert forward != [demand(other, t) for t in times]
    ratios = [f / demand(quiet, t) for f, t in zip(forward, times)]
    assert all(0.9 - 1e-9 <= r <= 1.1 + 1e-9 for r in ratios)
    assert max(ratios) - min(ratios) > 0.05
