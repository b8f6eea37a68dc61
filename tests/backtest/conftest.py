"""Backtest tests run with or without the LP optimiser (solarctl/optimize, written in parallel).

Without it, a stand-in tariff (flat prices) and a stand-in "optimum" take its place, for these tests only:
the stand-in "optimum" is the site without a battery (import = load above the PV of the same step), enough
to check that ratios are taken against whatever the optimum says.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class StandInTariff:
    import_by_hour: tuple[float, ...]
    feed_in: float = 0.0

    @classmethod
    def flat(cls, import_price: float, feed_in: float = 0.0) -> "StandInTariff":
        return cls((float(import_price),) * 24, float(feed_in))

    def import_prices(self, start: float, step_s: float, steps: int, zone: str) -> list[float]:
        return [self.import_by_hour[0]] * steps

    def describe(self) -> str:
        return f"import {self.import_by_hour[0]:g}/kWh, feed-in {self.feed_in:g}/kWh (stand-in)"


@dataclass(frozen=True)
class StandInSchedule:
    cost: float
    grid_import_kwh: float
    grid_export_kwh: float


class StandInLimits:
    @classmethod
    def from_plant(cls, plant) -> "StandInLimits":
        return cls()


def stand_in_optimum(pv_w, load_w, step_s, limits, tariff, start, zone) -> StandInSchedule:
    hours = step_s / 3600.0
    imported = sum(max(0.0, load - pv) for load, pv in zip(load_w, pv_w)) * hours / 1000.0
    return StandInSchedule(imported * tariff.import_by_hour[0], imported, 0.0)


@pytest.fixture(autouse=True)
def optimizer(monkeypatch) -> str:
    """'real' when solarctl.optimize is there, else 'stand-in' (installed for this test only)."""
    if importlib.util.find_spec("solarctl.optimize") is not None:
        return "real"
    package = types.ModuleType("solarctl.optimize")
    package.__path__ = []
    tariff = types.ModuleType("solarctl.optimize.tariff")
    tariff.Tariff = StandInTariff
    lp = types.ModuleType("solarctl.optimize.lp")
    lp.Tariff, lp.Limits, lp.optimum = StandInTariff, StandInLimits, stand_in_optimum
    for name, module in (("solarctl.optimize", package), ("solarctl.optimize.tariff", tariff),
                         ("solarctl.optimize.lp", lp)):
        monkeypatch.setitem(sys.modules, name, module)
    return "stand-in"


@pytest.fixture
def tariff(optimizer):
    """Flat 0.30 import, 0.08 feed-in, from the real tariff module or the stand-in."""
    from solarctl.optimize.tariff import Tariff

    return Tariff.flat(0.30, 0.08)
