"""The LP optimum against a dynamic programme over discretised stored energy, on small instances."""

import dataclasses
import datetime as dt
import math
import zoneinfo

import pytest

from solarctl.optimize import lp
from solarctl.optimize.lp import Horizon, Limits, Tariff, optimum
from solarctl.plant.config import PlantConfig

ZONE = "Europe/Vienna"
START = dt.datetime(2025, 1, 15, 0, tzinfo=zoneinfo.ZoneInfo(ZONE)).timestamp()
PV = [0, 0, 900, 2600, 3000, 1800, 400, 0, 0, 0]
LOAD = [500, 800, 400, 300, 600, 1200, 1500, 2400, 900, 700]
LIMITS = Limits(battery_kwh=4.0, charge_max_w=2000, discharge_max_w=2500, inverter_max_w=3000, soc_min_pct=10,
                soc_max_pct=90, initial_soc_pct=50, charge_efficiency=0.95, discharge_efficiency=0.9,
                inverter_efficiency=0.93, idle_w=20, grid_import_max_w=6000, grid_export_max_w=1500)
FLAT = Tariff.flat(0.30, feed_in=0.05)
TIME_OF_USE = Tariff((0.12,) * 3 + (0.40,) * 4 + (0.25,) * 17, feed_in=0.05)  # hours 0-3 cheap, 3-7 dear


def step_cost(pv: float, load: float, battery_w: float, price: float, feed_in: float, limits: Limits) -> float:
    """The cheapest way to run one hour with the battery's DC flow fixed (PV is free, curtailing allowed)."""
    eta, load = limits.inverter_efficiency, load + limits.idle_w
    dc = pv - battery_w  # left on the DC bus (+) or missing from it (-)
    if dc >= 0:
        ac = min(dc * eta, limits.inverter_max_w)
        imported, exported = max(0.0, load - ac), min(max(0.0, ac - load), limits.grid_export_max_w)
    else:
        if -dc / eta > limits.inverter_max_w:
            return math.inf
        imported, exported = load - dc / eta, 0.0
    if imported > limits.grid_import_max_w:
        return math.inf
    return (price * imported - feed_in * exported) / 1000.0


def dynamic_programme(tariff: Tariff, limits: Limits, levels: int = 201) -> float:
    """Backwards over stored energy on a grid of `levels` (kWh); hours of 1 h."""
    kwh = limits.battery_kwh
    grid = [kwh * (limits.soc_min_pct + (limits.soc_max_pct - limits.soc_min_pct) * i / (levels - 1)) / 100 for i in range(levels)]
    prices = tariff.import_prices(START, 3600, len(PV), ZONE)
    future = [0.0] * levels
    for t in reversed(range(len(PV))):
        now = []
        for before in grid:
            best = math.inf
            for j, after in enumerate(grid):
                delta = after - before  # kWh stored in this hour
                battery_w = 1000 * (delta / limits.charge_efficiency if delta > 0 else delta * limits.discharge_efficiency)
                if battery_w > limits.charge_max_w or -battery_w > limits.discharge_max_w:
                    continue
                best = min(best, step_cost(PV[t], LOAD[t], battery_w, prices[t], tariff.feed_in, limits) + future[j])
            now.append(best)
        future = now
    start = round((limits.initial_soc_pct - limits.soc_min_pct) / (limits.soc_max_pct - limits.soc_min_pct) * (levels - 1))
    assert grid[start] == pytest.approx(kwh * limits.initial_soc_pct / 100)
    return future[start]


@pytest.mark.parametrize("tariff", [FLAT, TIME_OF_USE], ids=["flat", "time-of-use"])
def test_the_lp_optimum_equals_the_dynamic_programme(tariff):
    schedule = optimum(PV, LOAD, 3600, LIMITS, tariff, START, ZONE)
    best = dynamic_programme(tariff, LIMITS)
    # The DP walks a grid of 0.016 kWh steps: it can only be as good or slightly worse.
    assert schedule.cost <= best + 1e-6
    assert schedule.cost == pytest.approx(best, abs=0.005)
    assert schedule.unmet_kwh == pytest.approx(0, abs=1e-9)
    assert all(LIMITS.soc_min_pct - 1e-6 <= s <= LIMITS.soc_max_pct + 1e-6 for s in schedule.soc_pct)
    assert all(-LIMITS.discharge_max_w - 1e-6 <= b <= LIMITS.charge_max_w + 1e-6 for b in schedule.battery_w)
    assert all(-LIMITS.grid_export_max_w - 1e-6 <= g <= LIMITS.grid_import_max_w + 1e-6 for g in schedule.grid_w)
    assert schedule.grid_import_kwh - schedule.grid_export_kwh == pytest.approx(sum(schedule.grid_w) / 1000)


def test_time_of_use_moves_the_charging_to_the_cheap_hours():
    dark = [0.0] * len(LOAD)
    schedule = optimum(dark, LOAD, 3600, LIMITS, TIME_OF_USE, START, ZONE)
    assert sum(schedule.battery_w[:3]) > 1000  # charged from the grid at 0.12 ...
    assert sum(schedule.battery_w[3:7]) < -1000  # ... to carry the house through the 0.40 hours
    flat = optimum(dark, LOAD, 3600, LIMITS, FLAT, START, ZONE)
    assert max(flat.battery_w) < 1  # a flat price gives no reason to charge from the grid


def test_load_the_site_cannot_supply_is_reported_as_unmet():
    weak_grid = dataclasses.replace(LIMITS, grid_import_max_w=1000, inverter_max_w=500)
    schedule = optimum(PV, LOAD, 3600, weak_grid, FLAT, START, ZONE)
    assert schedule.unmet_kwh > 0.5
    assert all(g <= 1000 + 1e-6 for g in schedule.grid_w)


def test_rolling_windows_find_the_one_piece_optimum(monkeypatch):
    """Seven days at 15-minute steps: solved in windows (as a year is) and in one piece."""
    steps = 7 * 96
    pv = [max(0.0, 3500 * math.sin(math.pi * ((i % 96) - 28) / 40)) * (0.3 if i // 96 == 1 else 1.0) for i in range(steps)]
    load = [600 + 900 * (i % 96 in range(68, 88)) for i in range(steps)]
    limits = dataclasses.replace(LIMITS, battery_kwh=6.0)
    rolling = optimum(pv, load, 900, limits, TIME_OF_USE, START, ZONE)
    monkeypatch.setattr(lp, "WINDOW_S", 10 * 86400.0)
    whole = optimum(pv, load, 900, limits, TIME_OF_USE, START, ZONE)
    assert rolling.cost == pytest.approx(whole.cost, abs=1e-3)
    assert len(rolling.soc_pct) == len(whole.soc_pct) == steps


def test_limits_from_the_plant_config():
    limits = Limits.from_plant(PlantConfig())  # the SCP site: 6 x 50 Ah LiFePO4, XW+ 6.8 kW, no export
    assert 13.5 < limits.battery_kwh < 15.5
    assert limits.inverter_max_w == 6800 and limits.inverter_efficiency == 0.95 and limits.initial_soc_pct == 60
    assert limits.grid_export_max_w == 0
    selling = PlantConfig.model_validate({"settings": {"sell_enabled": True, "max_sell_amps": 10}})
    assert Limits.from_plant(selling).grid_export_max_w == pytest.approx(2300)


def test_a_horizon_kept_for_the_next_plan_costs_the_same_as_a_fresh_one():
    """The forecast strategy solves one Horizon again every 15 minutes (HiGHS starting from the last basis):
    each answer must be as cheap as a cold solve of the same data."""
    steps, limits = 96, dataclasses.replace(LIMITS, battery_kwh=6.0)
    kept = Horizon(steps, 900, limits, TIME_OF_USE)
    for k in range(12):  # the horizon moves on by a step each time, and the forecast changes with it
        start = START + k * 900
        pv = [max(0.0, 3500 * math.sin(math.pi * (((i + k) % 96) - 28) / 40)) * (0.5 + 0.05 * k) for i in range(steps)]
        load = [600 + 900 * (((i + k) % 96) in range(68, 88)) + 10 * k for i in range(steps)]
        prices = TIME_OF_USE.import_prices(start, 900, steps, ZONE)
        stored = 1.0 + 0.3 * k
        warm = kept.schedule(kept.solve(pv, load, prices, stored, 0.05), prices)
        fresh = Horizon(steps, 900, limits, TIME_OF_USE)
        cold = fresh.schedule(fresh.solve(pv, load, prices, stored, 0.05), prices)
        assert warm.cost == pytest.approx(cold.cost, abs=1e-6), k
        assert warm.unmet_kwh == pytest.approx(cold.unmet_kwh, abs=1e-6)
        assert warm.soc_pct[-1] == pytest.approx(cold.soc_pct[-1], abs=1e-3)


def test_of_plans_equal_in_cost_the_one_that_uses_stored_energy_first():
    """A dark night at a flat price: when the battery's share of the night is spent does not change the cost;
    the plan spends it first (a forecast may be wrong, a kWh used now is a saving made)."""
    night = [800.0] * 10
    schedule = optimum([0.0] * 10, night, 3600, LIMITS, FLAT, START, ZONE)
    discharging = [b < -100.0 for b in schedule.battery_w]  # carrying the load (the idle alone is 20 W)
    assert discharging[0] and 0 < sum(discharging) < len(night)  # the battery covers part of the night ...
    assert discharging == sorted(discharging, reverse=True)  # ... and the first part
    assert schedule.soc_pct[-1] == pytest.approx(LIMITS.soc_min_pct, abs=1e-6)


def test_the_rolling_optimum_equals_one_solve_of_the_whole_span_on_time_of_use(monkeypatch):
    """A battery carries an autumn sunny spell over several days: 5-day windows keeping 3 lost 0.48 € in these
    60 days (0.50 € a year) against one solve of the whole span."""
    from solarctl.backtest.optimum import limits_for
    from solarctl.backtest.replay import replay
    from solarctl.backtest.scenario import make_scenario

    scenario = make_scenario("scp", weather="try:13", load="bdew", start="2025-09-15", days=60, step="5min")
    none = replay(scenario, "none", [])
    hours, plant = scenario.step_s / 3600.0, scenario.config.plant
    mppt = plant.pv_arrays[0].mppt_efficiency
    pv = [(p + c) / hours * mppt for p, c in zip(none.wh["pv"], none.wh["pv_curtailed"])]
    load = [(s + u) / hours for s, u in zip(none.wh["load"], none.wh["load_unserved"])]
    tariff = Tariff((0.20,) * 6 + (0.36,) * 16 + (0.20,) * 2, feed_in=0.07)  # bench/time-of-use.toml
    limits = limits_for(scenario, none)
    rolling = lp.optimum(pv, load, scenario.step_s, limits, tariff, scenario.start, scenario.zone)
    assert len(pv) > lp.WINDOW_S / scenario.step_s  # it did roll
    monkeypatch.setattr(lp, "WINDOW_S", 1e9)
    whole = lp.optimum(pv, load, scenario.step_s, limits, tariff, scenario.start, scenario.zone)
    assert whole.cost > 20  # a real bill: the comparison is not between two zeros
    assert abs(rolling.cost - whole.cost) < 0.01
