"""Plausibility checks on the SCP site's plant seen as its devices (PlantDevices, virtual time): silent over a
normal day, and each injected misread (×10 current, flipped sign, ×1000 PV) named by its factor."""

from __future__ import annotations

import pytest

from solarctl.checks.plausibility import Plausibility, suspected_factor
from solarctl.control.plant_devices import PlantDevices
from solarctl.control.strategies.view import Latest, View
from tests.checks.site import scp_site


@pytest.fixture
def site(tmp_path):
    config, plant = scp_site(tmp_path, 0)
    devices = PlantDevices(config, plant)
    checks = Plausibility({d.name: d.driver for d in config.device if d.enabled})
    return plant, devices, checks


def active(conditions):
    return [c for c in conditions if c.active]


def test_silent_over_a_normal_simulated_day(site):
    plant, devices, checks = site
    seen = set()
    for _ in range(24 * 12):  # every 5 minutes of plant time, midnight to midnight
        plant.step(300)
        conditions = checks.evaluate(devices.view())
        seen |= {c.kind for c in conditions}
        assert active(conditions) == [], plant.time
    assert seen >= {"battery_current_implausible", "pv_power_implausible", "counter_backwards"}


def at(site, hour, charging):
    """The site at `hour` (checks silent so far), the battery charging or discharging more than 10 A."""
    plant, devices, checks = site
    for _ in range(hour * 12):
        plant.step(300)
        assert active(checks.evaluate(devices.view())) == []
    assert plant.battery.current_a > 10 if charging else plant.battery.current_a < -10
    return plant, devices, checks


@pytest.mark.parametrize("factor, named", [(10.0, "×10"), (-1.0, "sign"), (0.001, "÷1000")])
def test_a_misread_battery_current_is_caught_and_named(site, factor, named):
    plant, devices, checks = at(site, 21, charging=False)  # the battery alone carries the house
    devices.faults["battery"].scaled["current"] = factor
    [found] = active(checks.evaluate(devices.view()))
    assert (found.kind, found.device, found.values["factor"]) == ("battery_current_implausible", "battery", named)
    assert found.message.startswith("battery current of battery: ") and f"suspected {named}" in found.message
    devices.faults["battery"].clear()
    assert active(checks.evaluate(devices.view())) == []


def test_a_charge_controller_output_off_by_1000_is_caught(site):
    plant, devices, checks = at(site, 7, charging=True)
    devices.faults["mppt_west"].scaled["dc_output_power"] = 1000.0
    found = {(c.kind, c.device): c for c in active(checks.evaluate(devices.view()))}
    assert found[("pv_power_implausible", "mppt_west")].values["factor"] == "×1000"
    assert ("pv_power_implausible", "combox") in found  # the harvest total no longer matches the parts
    assert ("battery_current_implausible", "battery") in found  # nor does the battery current


def test_a_counter_running_backwards(site):
    plant, devices, checks = at(site, 7, charging=True)
    devices.faults["mppt_east"].scaled["energy_pv_day"] = 0.5
    [found] = active(checks.evaluate(devices.view()))
    assert (found.kind, found.device, found.values["metric"]) == ("counter_backwards", "mppt_east", "energy_pv_day")


def view_of(**devices):
    return View(0.0, {name: Latest(values, 0.0) for name, values in devices.items()}, lambda device, setting: None)


def test_cell_sums_against_pack_and_module_voltages():
    checks = Plausibility({"stack": "pylontech_console", "pack": "jk_pb"})
    cells = [3.35] * 15
    good = view_of(stack={"modules": [{"index": 1, "voltage": 50.25, "cell_voltages": cells}]},
                   pack={"voltage": 50.25, "cell_voltages": cells})
    assert {(c.kind, c.device, c.active) for c in checks.evaluate(good)} == {
        ("cell_sum_implausible", "stack", False), ("cell_sum_implausible", "pack", False)}
    slipped = view_of(stack={"modules": [{"index": 1, "voltage": 50.25, "cell_voltages": cells},
                                         {"index": 2, "voltage": 5.025, "cell_voltages": cells}]},
                      pack={"voltage": 50.25, "cell_voltages": [v * 1000 for v in cells]})  # mV read as V
    found = {c.device: c for c in checks.evaluate(slipped)}
    assert found["stack"].active and found["stack"].values["factor"] == "×10"
    assert "stack module 2" in found["stack"].message
    assert found["pack"].active and found["pack"].values["factor"] == "×1000"
    lost_cell = view_of(pack={"voltage": 50.25, "cell_voltages": [None, *cells[1:]]})  # a row lost to line noise
    assert [c for c in checks.evaluate(lost_cell) if c.active] == []


@pytest.mark.parametrize("measured, expected, named", [
    (89.0, 8.9, "×10"), (-89.0, 89.0, "sign"), (0.05, 50.0, "÷1000"), (-890.0, 89.0, "sign and ×10"),
    (89.0, 89.0, ""), (89.0, 30.0, ""), (5.0, 0.0, ""),
])
def test_suspected_factor(measured, expected, named):
    assert suspected_factor(measured, expected) == named
