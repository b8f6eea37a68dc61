"""A virtual day per inverter mode: the energy balance closes, and each mode behaves as the device does."""

from __future__ import annotations

import functools

import pytest

from plant_helpers import Run, local_epoch, make_plant, run
from solarctl.plant import ChargerState, InverterMode

DAY = 86400.0
SUMMER = (2025, 6, 21)
WINTER = (2025, 12, 17)

# name -> (date, [plant] overrides, initial settings)
SCENARIOS = {
    "pass_through": (SUMMER, {"battery": {"initial_soc_pct": 40}}, {}),
    "grid_support": (SUMMER, {"battery": {"initial_soc_pct": 50}}, {"grid_support": True}),
    "sell": (SUMMER, {"battery": {"initial_soc_pct": 50}},
             {"grid_support": True, "sell_enabled": True, "max_sell_amps": 10}),
    "load_shave": (WINTER, {"battery": {"initial_soc_pct": 95}, "load": {"annual_kwh": 9000}},
                   {"load_shave": True, "load_shave_amps": 3}),
    "off_grid": (SUMMER, {"battery": {"initial_soc_pct": 50}}, {"grid_connected": False}),
    "outage": (WINTER, {"battery": {"initial_soc_pct": 90}, "grid": {"available": False}}, {}),
    "grid_charge": (WINTER, {"battery": {"initial_soc_pct": 20}}, {"grid_charge": True, "grid_charge_current_a": 10}),
    "discharge_to_grid": (WINTER, {"battery": {"initial_soc_pct": 90}},
                          {"discharge_to_grid": True, "max_sell_amps": 5}),
}


@functools.cache
def day(name: str) -> Run:
    date, tables, settings = SCENARIOS[name]
    return run(make_plant(local_epoch(*date), settings, **tables), DAY)


@pytest.mark.parametrize("name", SCENARIOS)
def test_energy_balance_closes_over_a_day(name):
    result = day(name)
    assert result.plant.energy.total_wh("load") > 5000  # a real day's consumption went through
    assert result.balance_error() < 0.005


def test_pass_through_never_exports_nor_feeds_the_load_from_the_battery():
    r = day("pass_through")
    assert min(r.values("grid_w")) > 0  # the grid feeds the load (and the inverter's idle) all day
    assert min(r.values("battery_w")) >= 0.0
    assert r.plant.energy.total_wh("grid_export") == 0.0
    assert r.plant.energy.total_wh("battery_discharge") == 0.0
    assert {s["mode"] for s in r.steps} == {InverterMode.PASS_THROUGH}
    assert r.plant.energy.total_wh("battery_charge") > 5000  # but PV charged it


def test_pass_through_curtails_pv_once_the_battery_is_full():
    r = day("pass_through")
    full_noon = [s for s in r.steps if s["charger"] is ChargerState.FLOAT and s["pv_available_w"] > 2000]
    assert len(full_noon) > 1000  # hours of full battery under strong sun
    # (The step that entered float still charged at the exit current.)
    assert all(s["pv_w"] < 0.01 * s["pv_available_w"] for s in full_noon[1:])
    assert max(s["soc"] for s in r.steps) > 99.5
    assert r.plant.energy.total_wh("pv_curtailed") > 10000
    # A curtailed array sits near open circuit: voltage up, current down to nothing.
    west = r.plant.pv_array("west")
    assert west.current_a == 0.0 or west.power_w < west.available_w


def test_grid_support_feeds_the_load_from_pv_and_battery_without_selling():
    r = day("grid_support")
    e = r.plant.energy
    assert e.total_wh("grid_export") == 0.0
    assert e.total_wh("grid_import") < 0.02 * e.total_wh("load")  # the battery carried the night
    assert e.total_wh("battery_discharge") > 2000
    sunny = [s for s in r.steps if s["pv_available_w"] > 2000 and s["charger"] is ChargerState.FLOAT]
    assert sunny and all(s["pv_w"] < s["pv_available_w"] for s in sunny)  # no export: PV curtailed


def test_sell_exports_pv_surplus_within_max_sell_amps():
    r = day("sell")
    exports = [s for s in r.steps if s["grid_w"] < 0]
    assert len(exports) > 1000
    assert all(-s["grid_w"] <= 10 * s["grid_v"] + 1e-6 for s in exports)
    assert any(-s["grid_w"] > 0.99 * 10 * s["grid_v"] for s in exports)  # the limit binds at noon
    assert {s["mode"] for s in exports} == {InverterMode.SELL}
    assert r.plant.energy.total_wh("grid_export") > 10000


def test_load_shave_caps_grid_import_at_the_set_amps():
    r = day("load_shave")
    assert max(s["grid_w"] - 3 * s["grid_v"] for s in r.steps) <= 1e-6
    above = [s for s in r.steps if s["load_w"] > 3 * s["grid_v"]]
    assert len(above) > 1000  # the cap mattered for hours
    assert all(s["battery_w"] < 0 for s in above if s["pv_w"] == 0)
    assert {s["mode"] for s in r.steps} == {InverterMode.LOAD_SHAVE}


def test_off_grid_never_touches_the_grid():
    r = day("off_grid")
    assert all(s["grid_w"] == 0.0 for s in r.steps)
    assert r.plant.energy.total_wh("grid_import") == r.plant.energy.total_wh("grid_export") == 0.0
    assert r.plant.grid.voltage_v > 200  # the grid is there; the inverter is just not using it
    assert r.plant.energy.total_wh("load_unserved") == 0.0
    assert {s["mode"] for s in r.steps} == {InverterMode.OFF_GRID}
    assert r.plant.inverter.ac_voltage_v == pytest.approx(230.0)
    assert r.plant.inverter.ac_frequency_hz == pytest.approx(50.0)


def test_outage_runs_the_house_on_the_battery():
    r = day("outage")
    assert all(s["grid_w"] == 0.0 and s["grid_v"] == 0.0 for s in r.steps)
    assert {s["mode"] for s in r.steps} == {InverterMode.OFF_GRID}
    assert r.plant.energy.total_wh("load_unserved") == 0.0
    assert r.plant.battery.soc_pct < 90.0


def test_grid_charge_charges_at_the_set_current_and_holds_the_battery():
    r = day("grid_charge")
    night = [s for s in r.steps if s["pv_available_w"] == 0 and s["mode"] is InverterMode.CHARGING]
    assert len(night) > 5000
    assert all(s["battery_a"] == pytest.approx(10.0, rel=1e-3) for s in night)
    assert min(r.values("battery_w")) >= 0.0  # never discharges while grid charging is on
    assert r.plant.battery.soc_pct > 20.0


def test_discharge_to_grid_exports_the_battery_until_the_cut_out():
    r = day("discharge_to_grid")
    assert all(-s["grid_w"] <= 5 * s["grid_v"] + 1e-6 for s in r.steps)
    tripped = r.values("mode").index(InverterMode.LOW_BATTERY_CUT_OUT)
    before = r.steps[:tripped]
    assert len(before) > 3600  # hours of export from the battery, at night
    assert all(s["grid_w"] < 0 and s["battery_w"] < 0 and s["mode"] is InverterMode.SELL for s in before)
    assert all(s["grid_w"] == pytest.approx(-5 * s["grid_v"]) for s in before if s["pv_w"] == 0)
    # LBCO stopped it; export resumed only once PV lifted the battery above LBCO + hysteresis.
    resumed = next(i for i in range(tripped, len(r.steps)) if r.steps[i]["grid_w"] < 0)
    assert r.steps[resumed - 1]["battery_v"] >= 45.5 + 2.0
    assert all(s["grid_w"] > 0 for s in r.steps[tripped:resumed])


def test_off_grid_load_beyond_the_rating_is_unserved():
    plant = make_plant(local_epoch(2025, 1, 15, 18), {"grid_connected": False}, inverter={"rated_w": 200.0})
    r = run(plant, 1800)
    assert all(s["served_w"] <= 200.0 + 1e-9 for s in r.steps)
    assert all(s["served_w"] + s["unserved_w"] == pytest.approx(s["load_w"]) for s in r.steps)
    assert plant.energy.total_wh("load_unserved") > 50
    assert r.balance_error() < 0.005


def test_grid_outage_switch_goes_off_grid_and_back():
    plant = make_plant(local_epoch(2025, 3, 20, 20), battery={"initial_soc_pct": 70})
    run(plant, 60)
    assert plant.mode is InverterMode.PASS_THROUGH and plant.grid.power_w > 0
    plant.grid.available = False
    r = run(plant, 600)
    assert all(s["grid_w"] == 0.0 and s["mode"] is InverterMode.OFF_GRID for s in r.steps)
    assert all(s["battery_w"] < 0 and s["unserved_w"] == 0.0 for s in r.steps)
    plant.grid.available = True
    run(plant, 60)
    assert plant.mode is InverterMode.PASS_THROUGH and plant.grid.power_w > 0 and plant.battery.power_w == 0.0


def test_inverter_disabled_off_grid_is_standby_with_all_load_unserved():
    plant = make_plant(local_epoch(2025, 3, 20, 20), {"grid_connected": False, "inverter_enabled": False})
    r = run(plant, 300)
    assert {s["mode"] for s in r.steps} == {InverterMode.STANDBY}
    assert all(s["served_w"] == 0.0 and s["unserved_w"] > 0 for s in r.steps)
    assert plant.inverter.ac_voltage_v == 0.0
