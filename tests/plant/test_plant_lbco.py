"""Low-battery cut-out: trips after the delay, holds until LBCO + hysteresis, hands the load to the grid."""

from __future__ import annotations

import pytest

from plant_helpers import local_epoch, make_plant, run
from solarctl.plant import InverterMode

EVENING = (2025, 1, 15, 19)  # dark, the evening peak


def test_trips_only_after_the_delay_below_the_threshold():
    plant = make_plant(local_epoch(*EVENING), {"grid_connected": False, "lbco_delay_s": 5.0},
                       battery={"initial_soc_pct": 50})
    run(plant, 10, dt=1.0)
    v = plant.battery.voltage_v
    assert plant.mode is InverterMode.OFF_GRID and plant.load_unserved_w == 0.0

    # Dips shorter than the delay never trip, and the timer starts again after each.
    for _ in range(3):
        plant.settings.lbco_voltage_v = v + 0.5
        run(plant, 3, dt=1.0)
        plant.settings.lbco_voltage_v = v - 0.5
        run(plant, 2, dt=1.0)
    assert not plant.inverter.lbco_active

    plant.settings.lbco_voltage_v = v + 0.5
    run(plant, 4, dt=1.0)
    assert not plant.inverter.lbco_active and plant.mode is InverterMode.OFF_GRID
    run(plant, 2, dt=1.0)
    assert plant.inverter.lbco_active
    assert plant.mode is InverterMode.LOW_BATTERY_CUT_OUT
    assert not plant.inverter.inverting
    assert plant.load_served_w == 0.0 and plant.load_unserved_w == pytest.approx(plant.load_w)
    assert plant.battery.power_w == 0.0


def test_recovers_only_at_lbco_plus_hysteresis():
    plant = make_plant(local_epoch(*EVENING), {"lbco_hysteresis_v": 2.0}, battery={"initial_soc_pct": 50})
    plant.settings.grid_support = True
    run(plant, 10)
    rest_v = plant.battery.ocv_v  # what the battery shows once the inverter stops drawing from it
    plant.settings.lbco_voltage_v = rest_v + 1.0
    run(plant, 10)
    assert plant.mode is InverterMode.LOW_BATTERY_CUT_OUT

    # On the grid, the load moves to the grid and the battery rests.
    assert plant.grid.power_w == pytest.approx(plant.load_w + plant.config.inverter.idle_w)
    assert plant.battery.power_w == 0.0 and plant.battery.voltage_v == pytest.approx(rest_v, abs=0.01)

    # Above LBCO but below LBCO + hysteresis: still cut out.
    plant.settings.lbco_voltage_v = rest_v - 1.9
    run(plant, 600)
    assert plant.inverter.lbco_active
    plant.settings.lbco_voltage_v = rest_v - 2.05
    run(plant, 10)
    assert not plant.inverter.lbco_active
    assert plant.mode is InverterMode.GRID_SUPPORT and plant.battery.power_w < 0


def test_an_emptying_battery_cuts_out_off_grid_and_stays_out_until_charged():
    plant = make_plant(local_epoch(*EVENING), {"grid_connected": False}, battery={"initial_soc_pct": 6})
    r = run(plant, 4 * 3600)
    tripped = r.values("mode").index(InverterMode.LOW_BATTERY_CUT_OUT)
    assert r.steps[tripped - 1]["battery_v"] < 45.5  # it was the real discharge that got it there
    after = r.steps[tripped:]
    assert all(s["mode"] is InverterMode.LOW_BATTERY_CUT_OUT for s in after)
    assert all(45.5 <= s["battery_v"] < 47.5 for s in after[1:])  # recovered voltage, yet not enough
    assert all(s["served_w"] == 0.0 and s["grid_w"] == 0.0 for s in after)
    assert plant.energy.total_wh("load_unserved") > 500
    assert plant.battery.soc_pct > 0.0  # cut out before the BMS had to
