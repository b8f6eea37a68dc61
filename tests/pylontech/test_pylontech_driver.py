"""The `pylontech_console` driver against the console simulator over a real pty pair: values from the
plant, the module count, cell tables on their own cadence, alarms, and each fault switch."""

from __future__ import annotations

import re

import pytest

from solarctl.clock import SystemClock
from solarctl.hub import StateHub
from solarctl.polling import Poller
from solarctl.sample import PollError, Sample

EVERYTHING = frozenset({"fast", "slow", "once"})


async def test_values_come_from_the_plant(stack, plant):
    sim, driver, link = await stack()
    battery = plant.battery
    battery.apply(-1500.0, 0.0)  # discharging now: the current must come out negative
    reading = await driver.read(link, EVERYTHING)
    values = reading.values
    assert values["module_count"] == 6 and values["capacity"] == 300.0  # 8 slots in `pwr`, 2 Absent
    assert values["current"] == pytest.approx(battery.current_a, abs=0.006)
    assert values["current"] < 0 and values["power"] == pytest.approx(battery.power_w, rel=0.01)
    assert values["voltage"] == pytest.approx(battery.voltage_v, abs=0.01)
    assert values["soc"] == pytest.approx(battery.soc_pct, abs=1.0)
    assert reading.alarms == ()
    first = values["modules"][0]
    assert first["current"] == pytest.approx(battery.module_current_a(0), abs=0.001)
    assert first["soc"] == round(battery.module_soc_pct(0)) and first["base_state"] == "Dischg"
    assert first["cell_voltages"] == [round(v, 3) for v in battery.cell_voltages(0)]  # `bat 1` in this poll
    assert first["cell_voltage_min"] == min(first["cell_voltages"])
    assert len({module["current"] for module in values["modules"]}) == 6  # each module its own share
    assert set(driver.units) >= {"soc", "voltage", "current", "power", "cell_voltages"}


async def test_a_configured_module_count_caps_what_pwr_shows(stack):
    sim, driver, link = await stack(modules=4)
    values = (await driver.read(link, EVERYTHING)).values
    assert values["module_count"] == 4 and [module["index"] for module in values["modules"]] == [1, 2, 3, 4]


async def test_one_cell_table_per_poll_stalest_first(stack):
    sim, driver, link = await stack(cell_interval=60)
    for _ in range(7):
        reading = await driver.read(link, frozenset({"fast"}))
    assert list(sim.commands) == ["pwr", "bat 1", "pwr", "bat 2", "pwr", "bat 3", "pwr", "bat 4", "pwr", "bat 5",
                                  "pwr", "bat 6", "pwr"]  # all six tables fresh: the 7th poll is `pwr` alone
    assert all(len(module["cell_voltages"]) == 15 for module in reading.values["modules"])
    driver.cell_interval = 0.0  # every table is due now: the oldest goes first
    await driver.read(link, frozenset({"fast"}))
    assert list(sim.commands)[-2:] == ["pwr", "bat 1"]


async def test_abnormal_state_words_are_alarms(stack):
    sim, driver, link = await stack()
    # Any word but Normal is abnormal; the console's own words for it are not documented.
    sim.faults.state_words[1] = {"temperature_state": "Alarm"}
    reading = await driver.read(link, EVERYTHING)
    assert reading.alarms[0] == "module 1: Temp.St = Alarm"
    assert "module 1 cell 15: Temp. State = Alarm" in reading.alarms and len(reading.alarms) == 16
    assert reading.values["soc"] > 0  # an alarm is reported beside the values, not instead of them
    sim.faults.clear()
    alarms = (await driver.read(link, frozenset({"fast"}))).alarms
    assert len(alarms) == 15 and "module 1: Temp.St = Alarm" not in alarms  # the cells' until `bat 1` again


@pytest.mark.parametrize("fault, reason", [
    ("silent", "'pwr' did not answer within 0.5 s"),
    ("garbage", "'pwr': pwr: (line .*: mangled on the wire|no table)"),
    ("half_line", "'pwr' did not answer within 0.5 s"),
])
async def test_a_fault_is_an_error_state_and_the_link_recovers(stack, fault, reason):
    sim, driver, link = await stack()
    hub = StateHub()
    poller = Poller(link, [driver], SystemClock(), hub.publish)
    assert isinstance(await poller.poll(driver, everything=True), Sample)
    good = dict(hub.state("battery").values)
    setattr(sim.faults, fault, True)
    failed = await poller.poll(driver)
    assert isinstance(failed, PollError)
    assert failed.reason.startswith(f"{link.name}: ") and re.search(reason, failed.reason)
    state = hub.state("battery")
    assert not state.ok and state.error == failed.reason and state.values == good  # old values, marked stale
    sim.faults.clear()
    assert isinstance(await poller.poll(driver), Sample) and hub.state("battery").ok


async def test_a_cell_row_mangled_on_the_wire_costs_that_cell_only(stack, plant):
    sim, driver, link = await stack()
    sim.faults.mangled_cell = 4
    reading = await driver.read(link, EVERYTHING)  # `pwr`, then `bat 1` with cell 4's row mangled
    first = reading.values["modules"][0]
    expected = [round(v, 3) for v in plant.battery.cell_voltages(0)]
    expected[3] = None
    assert first["cell_voltages"] == expected and first["cell_temperatures"][3] is None
    assert [a for a in reading.alarms if "mangled" in a] == ["module 1 cell 4: row mangled on the wire (line 7)"]
    assert reading.values["soc"] > 0  # the stack values are whole


async def test_a_high_voltage_stack_reads_from_its_system_summary_and_whole_stack_cells(stack, plant):
    sim, driver, link = await stack(timeout=3.0, sim_options={"high_voltage": True})  # 90 cell rows: ~1 s of wire
    battery = plant.battery
    reading = await driver.read(link, frozenset({"fast"}))
    values = reading.values
    assert list(sim.commands) == ["pwr", "bat"]
    assert values["voltage"] == pytest.approx(battery.voltage_v, abs=0.01)
    assert values["current"] == pytest.approx(battery.current_a, abs=0.01) and values["modules"] == []
    assert values["module_count"] == battery.module_count
    cells = [round(v, 3) for i in range(battery.module_count) for v in battery.cell_voltages(i)]
    assert values["cell_voltages"] == cells and len(cells) == 15 * battery.module_count
    assert values["cell_module_size"] == 15  # the whole-stack list cut by the summary's module count
    sim.faults.mangled_cell = 20
    driver.cell_interval = 0.0
    reading = await driver.read(link, frozenset({"fast"}))
    assert reading.values["cell_voltages"][19] is None
    assert [a for a in reading.alarms if "mangled" in a] == [f"cell 20: row mangled on the wire (line {20 + 4})"]
