"""MUST PV1800 driver against its simulator over a real pty pair: identity first, values from the
plant, writes that change the plant (20105 = 0 really takes it off the grid), the export quirk,
and calibration registers that are never written. Raw registers are checked with mbpoll."""

import pytest

from solarctl.devices.must_pv1800 import PV1800
from solarctl.modbus.pdu import read_request
from solarctl.plant import InverterMode
from solarctl.registers import WriteRejected
from solarctl.sample import PollError
from tests.mustjk.simulated import inverter, mbpoll_rtu, server, simulated, site_config, writer

WRITES = (6, 16)


@pytest.fixture
async def pv1800(tmp_path):
    async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
        yield plant, server(site, "inverter"), install


async def test_identity_is_read_before_anything_else_and_values_follow_the_plant(pv1800):
    plant, sim, install = pv1800
    values = (await install.poll_once())["inverter"].values
    first = sim.requests[0]
    assert (first.unit, first.function, first.address, first.count) == (4, 3, 20000, 2)
    # The full realtime blocks, the settings blocks and the identity blocks, each one request.
    assert {(r.address, r.count) for r in list(sim.requests)[1:]} == {
        (10001, 8), (10103, 21), (15201, 21), (20000, 16), (20101, 44), (25201, 79)}
    assert values["model"] == "PV1800" and values["machine_type"] == "PV"
    assert values["battery_voltage"] == pytest.approx(plant.battery.voltage_v, abs=0.05)
    assert values["grid_power"] == round(plant.grid.power_w) > 0  # importing at night
    assert values["load_power"] == round(plant.load_served_w)
    assert values["grid_frequency"] == pytest.approx(plant.grid.frequency_hz, abs=0.005)
    assert values["on_grid"] is True and values["grid_connection"] == "on-grid"
    assert values["energy_grid_import_total"] == pytest.approx(plant.counters("grid_import").lifetime, abs=0.05)
    assert values["max_discharge_current"] == plant.settings.max_sell_amps
    assert values["alarms"] == []
    # The same registers through an independent Modbus master (our link lets go of the port first).
    await install.close()
    words = await mbpoll_rtu(install.config.device[0].port, 19200, 4, 25205, 3)
    assert words[0] == round(plant.battery.voltage_v * 10) and words[2] == round(plant.grid.voltage_v * 10)


async def test_20105_off_takes_the_plant_off_the_grid_and_back(pv1800):
    plant, sim, install = pv1800
    safe = writer(install)
    out = await safe.write("inverter", "grid_connection", "off-grid")
    assert out.outcome == "written", out.describe()
    assert plant.settings.grid_connected is False
    write = [r for r in sim.requests if r.function in WRITES][-1]
    assert (write.function, write.address) == (6, 20105)  # FC06, the register itself
    plant.step(30)
    assert plant.mode is InverterMode.OFF_GRID and plant.grid.power_w == 0
    values = (await install.poll_once())["inverter"].values
    assert values["work_state"] == "OffGrid" and values["on_grid"] is False
    assert values["battery_power"] < 0 < values["load_power"]  # the battery carries the house at night
    assert (await safe.write("inverter", "grid_connection", "on-grid")).outcome == "written"
    plant.step(30)
    assert plant.grid.power_w > 0


async def test_export_reads_zero_pgrid_but_the_driver_reports_it_negative(pv1800):
    plant, sim, install = pv1800
    safe = writer(install)
    assert (await safe.write("inverter", "discharge_to_grid", "on")).outcome == "written"
    assert (await safe.write("inverter", "export_current_limit", 5.0)).outcome == "written"
    assert plant.settings.max_sell_amps == 5.0
    plant.step(30)
    assert plant.grid.power_w < -200  # exporting
    await install.close()
    assert (await mbpoll_rtu(install.config.device[0].port, 19200, 4, 25214, 1)) == [0]  # the firmware quirk
    values = (await install.poll_once())["inverter"].values
    assert values["grid_power"] == pytest.approx(plant.grid.power_w, rel=0.02)  # sqrt(S^2 - Q^2), sign from the arrows
    assert values["grid_power"] < 0


async def test_a_device_that_is_not_a_pv1800_is_refused_after_one_read(pv1800):
    plant, sim, install = pv1800
    sim.units[4].bank.settings["machine_type"] = "XY"
    result = (await install.poll_once())["inverter"]
    assert isinstance(result, PollError) and "not a PV1800: register 20000 = 0x5859" in result.reason
    assert [(r.address, r.count) for r in sim.requests] == [(20000, 2)]
    out = await writer(install).write("inverter", "grid_connection", "off-grid")
    assert out.outcome == "failed" and "not a PV1800" in out.reason
    assert not [r for r in sim.requests if r.function in WRITES] and plant.settings.grid_connected


async def test_calibration_registers_are_never_written(pv1800):
    plant, sim, install = pv1800
    device, link = install.device("inverter"), install.link("inverter")
    for name in ("battery_voltage_calibration", "grid_current_calibration", "charger_current_calibration"):
        with pytest.raises(WriteRejected, match="calibration register"):
            await device.write_setting(link, PV1800[name], 16000)
        assert (await writer(install).write("inverter", name, 16000)).outcome == "rejected"
    assert not [r for r in sim.requests if r.function in WRITES]


async def test_a_forbidden_read_shuts_the_simulated_inverter_down(pv1800):
    """What the planner protects against, reproduced: the request-log test would see it."""
    plant, sim, install = pv1800
    link = install.link("inverter")
    assert await link.transact(4, read_request(20010, 10), timeout=0.5) == [0] * 10  # 20010-20019 touches 20016
    result = (await install.poll_once())["inverter"]
    assert isinstance(result, PollError) and "register 20000 = 0x0000" in result.reason
    assert plant.settings.inverter_enabled is False
