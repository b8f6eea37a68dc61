"""The `pylontech_rs485` driver against its simulator over a pty pair (the shared RS485 bus simulation):
values from the plant, every request paced on the one link, corrupt answers and dead addresses as errors."""

from __future__ import annotations

import io

import pytest

from solarctl.config import validate_config
from solarctl.installation import Installation
from solarctl.clock import SystemClock
from solarctl.plant import Plant
from solarctl.sample import PollError, Sample
from solarctl.sim.site import SimulatedSite

PLANT = {"battery": {"module_count": 3, "module_capacity_ah": 74.0, "initial_soc_pct": 60.0}}


def config(tmp_path, **device):
    return validate_config({"general": {"data_dir": str(tmp_path / "data")}, "plant": PLANT, "device": [
        {"name": "battery", "driver": "pylontech_rs485", "port": f"{tmp_path}/ttyRS485", "timeout": 0.5, **device}]})


async def polled(tmp_path, everything=True, faults=None, **device):
    cfg = config(tmp_path, **device)
    plant = Plant(cfg.plant, start=1_750_000_000.0)
    plant.step(60)
    requests = io.StringIO()
    site = SimulatedSite(cfg, plant, request_file=requests)
    await site.start()
    install = Installation(cfg, SystemClock())
    try:
        if faults:
            faults(site.faults("battery"))
        samples = await install.poll_once()
        return plant, requests.getvalue().splitlines(), samples["battery"]
    finally:
        await install.close()
        await site.stop()


async def test_values_come_from_the_plant_for_every_module(tmp_path):
    plant, requests, sample = await polled(tmp_path)
    assert isinstance(sample, Sample), sample
    values, battery = sample.values, plant.battery
    assert values["module_count"] == 3 and [m["index"] for m in values["modules"]] == [1, 2, 3]
    for i, module in enumerate(values["modules"]):
        assert module["cell_voltages"] == [round(v, 3) for v in battery.cell_voltages(i)]
        assert module["current"] == pytest.approx(battery.module_current_a(i), abs=0.051)
        assert module["capacity"] == 74.0 and module["serial_number"] == f"SIMULATED{i + 1:07d}"
        assert module["charge_enable"] is True and module["charge_current_limit"] > 0
    assert values["voltage"] == pytest.approx(battery.voltage_v, abs=0.05)
    assert values["soc"] == pytest.approx(battery.soc_pct, abs=1.0)
    assert values["cell_voltage_high_limit"] == 3.65 and values["manufacturer"] == "PYLON"
    assert values["protocol_version"] == "2.0" and sample.alarms == ()
    asked = [line for line in requests if "frame=" in line]
    assert len(asked) == 1 + 2 + 3 + 1 + 3 + 3  # 0x42 all, 0x4F + 0x51, 0x93 each, 0x47, 0x92 each, 0x44 each


async def test_version_3_5_frames(tmp_path):
    _, _, sample = await polled(tmp_path, version="3.5")
    assert isinstance(sample, Sample) and sample.values["protocol_version"] == "3.5"


async def test_a_corrupt_answer_is_a_bad_frame_not_values(tmp_path):
    _, _, sample = await polled(tmp_path, faults=lambda f: f.corrupt_units.add(2))
    assert isinstance(sample, PollError) and "is not ASCII hex" in sample.reason


async def test_a_wrong_address_answers_nothing(tmp_path):
    _, _, sample = await polled(tmp_path, unit=7, faults=lambda f: f.dead_units.add(7))
    assert isinstance(sample, PollError) and "did not answer" in sample.reason
