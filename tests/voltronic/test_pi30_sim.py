"""The voltronic driver against its simulator over a real pty pair: what a poll publishes is the plant's, writes go
through the SafeWriter (range, the inverter's own current steps, read-back from QPIRI, the daily budget) and
change the plant; the simulator NAKs bad commands, bad CRCs and values out of range."""

from __future__ import annotations

import asyncio
import io
from contextlib import asynccontextmanager
from datetime import datetime
from typing import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from solarctl.bus.serial_port import AsyncSerial
from solarctl.clock import SystemClock
from solarctl.config import Config, validate_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from solarctl.devices.voltronic.frames import decode_answer, encode_request
from solarctl.installation import Installation
from solarctl.plant import Plant
from solarctl.sample import Sample
from solarctl.sim.site import SimulatedSite

NOON = datetime(2026, 6, 21, 12, 0, tzinfo=ZoneInfo("Europe/Vienna")).timestamp()
PLANT = {
    "pv_arrays": [{"name": "roof", "peak_w": 2200.0, "mpp_voltage_v": 250.0, "max_output_current_a": 80.0}],
    "battery": {"module_count": 2, "module_capacity_ah": 100.0, "cells_in_series": 16, "initial_soc_pct": 60.0},
    "settings": {"grid_charge": True, "grid_charge_current_a": 10.0, "max_charge_current_a": 60.0},
}


def config(tmp_path) -> Config:
    return validate_config({"general": {"data_dir": str(tmp_path / "data")}, "plant": PLANT, "device": [
        {"name": "inverter", "driver": "voltronic", "port": f"{tmp_path}/ttyAXPERT0", "timeout": 1.5}]})


@asynccontextmanager
async def simulated(tmp_path) -> AsyncIterator[tuple[Plant, SimulatedSite, Installation]]:
    cfg = config(tmp_path)
    plant = Plant(cfg.plant, start=NOON)
    plant.step(60)
    site = SimulatedSite(cfg, plant, request_file=io.StringIO())
    await site.start()
    install = Installation(cfg, SystemClock())
    try:
        async with asyncio.timeout(60):
            yield plant, site, install
    finally:
        await install.close()
        await site.stop()


async def test_a_poll_publishes_the_plants_values(tmp_path):
    async with simulated(tmp_path) as (plant, site, install):
        sample = (await install.poll_once())["inverter"]
        assert isinstance(sample, Sample), sample
        values = sample.values
        assert values["battery_voltage"] == pytest.approx(plant.battery.voltage_v, abs=0.01)
        assert values["pv_power"] == pytest.approx(sum(a.output_w for a in plant.pv), abs=1)
        assert values["load_power"] == pytest.approx(plant.load_served_w, abs=1)
        assert values["battery_soc"] == round(plant.battery.soc_pct)
        assert values["battery_current"] == round(plant.battery.current_a)
        assert values["mode"] == "Line" and values["on_grid"] is True  # Utility first, grid present
        assert values["protocol_id"] == "PI30" and values["serial_number"] == "92932105105315"
        assert values["grid_charge_current"] == 10 and values["charger_source_priority"] == "Solar + Utility"
        assert site.request_file is not None
        asked = site.request_file.getvalue()
        assert all(f"command='{c}'" in asked for c in ("QPIGS", "QMOD", "QPIWS", "QPIRI", "QFLAG", "QPI", "QVFW", "QID"))


async def test_settings_go_through_the_safe_writer_and_change_the_plant(tmp_path):
    async with simulated(tmp_path) as (plant, site, install):
        ledger = AuditLedger(tmp_path / "audit.jsonl")
        writer = SafeWriter(install, ledger, SystemClock(), daily_budget=2, budget_file=tmp_path / "budget.jsonl")
        out = await writer.write("inverter", "output_source_priority", "SBU first")
        assert (out.outcome, out.before, out.after) == ("written", "Utility first", "SBU first")
        assert plant.settings.grid_support is True
        out = await writer.write("inverter", "grid_charge_current", 30)
        assert out.outcome == "written" and plant.settings.grid_charge_current_a == 30.0
        assert (await writer.write("inverter", "grid_charge_current", 30)).outcome == "unchanged"
        out = await writer.write("inverter", "charger_source_priority", "Only solar")
        assert out.outcome == "written" and plant.settings.grid_charge is False
        # The budget counts per setting (its QPIRI field): two writes of grid_charge_current, then no more today.
        assert (await writer.write("inverter", "grid_charge_current", 20)).outcome == "written"
        refused = await writer.write("inverter", "grid_charge_current", 40)
        assert refused.outcome == "rejected" and "budget" in refused.reason
        assert plant.settings.grid_charge_current_a == 20.0
        voltage = await writer.write("inverter", "battery_recharge_voltage", 47.0)
        assert voltage.outcome == "written" and voltage.after == 47.0
        assert (await install.poll_once())["inverter"].values["battery_recharge_voltage"] == 47.0


async def test_values_the_inverter_does_not_take_are_refused(tmp_path):
    async with simulated(tmp_path) as (plant, site, install):
        writer = SafeWriter(install, AuditLedger(None), SystemClock(), daily_budget=2,
                            budget_file=tmp_path / "budget.jsonl")
        out_of_range = await writer.write("inverter", "battery_under_voltage", 30.0)
        assert out_of_range.outcome == "rejected" and "40 to 48" in out_of_range.reason
        between_steps = await writer.write("inverter", "grid_charge_current", 15)
        assert between_steps.outcome == "failed" and "takes only 2, 10, 20" in between_steps.reason
        assert plant.settings.grid_charge_current_a == 10.0
        # Nothing was sent, so the refusal took no slot of the budget: both of today's writes are still there.
        assert (await writer.write("inverter", "grid_charge_current", 20)).outcome == "written"
        assert (await writer.write("inverter", "grid_charge_current", 30)).outcome == "written"
        unknown = await writer.write("inverter", "buzzer", True)
        assert unknown.outcome == "rejected" and "not a writable setting" in unknown.reason


async def _raw(path: str, frame: bytes) -> bytes:
    port = AsyncSerial(path, 2400)
    port.open()
    try:
        port.write(frame)
        return await port.read_until(b"\r")
    finally:
        port.close()


@pytest.mark.parametrize("frame, answer", [
    (encode_request("QMOD"), "L"),
    (encode_request("POP07"), "NAK"),  # no such priority
    (encode_request("MUCHGC015"), "NAK"),  # between the inverter's steps
    (encode_request("PSDV30.0"), "NAK"),  # below the cut-off range
    (encode_request("QXYZ"), "NAK"),  # no such command
    (b"QPIGS\x00\x00\r", "NAK"),  # bad CRC
    (encode_request("PBFT54.4"), "ACK"),
])
async def test_the_simulator_naks_what_a_real_inverter_refuses(tmp_path, frame, answer):
    async with simulated(tmp_path) as (plant, site, install):
        assert decode_answer(await _raw(f"{tmp_path}/ttyAXPERT0", frame)) == answer
        assert plant.settings.lbco_voltage_v != 30.0


async def test_a_silent_inverter_fails_the_poll_and_comes_back(tmp_path):
    async with simulated(tmp_path) as (plant, site, install):
        site.faults("inverter").silent = True
        failed = (await install.poll_once())["inverter"]
        assert not isinstance(failed, Sample)
        site.faults("inverter").silent = False
        assert isinstance((await install.poll_once())["inverter"], Sample)


async def test_firmware_without_qflag_and_qid_is_still_read(tmp_path):
    """QFLAG NAKed: left out, not asked again; QID NAKed: the serial number comes from QSID; QPIGS NAKed: a failed
    poll, never values."""
    async with simulated(tmp_path) as (plant, site, install):
        faults = site.faults("inverter")
        faults.unknown |= {"QFLAG", "QID"}
        values = (await install.poll_once())["inverter"]
        assert isinstance(values, Sample), values
        assert "buzzer" not in values.values and values.values["serial_number"] == "92932105105315"
        device = install.devices["inverter"]
        device.settings_written = True  # the next poll reads the slow group again
        assert isinstance((await install.poll_once())["inverter"], Sample)
        assert site.request_file is not None and site.request_file.getvalue().count("command='QFLAG'") == 1
        faults.unknown.add("QPIGS")
        failed = (await install.poll_once())["inverter"]
        assert not isinstance(failed, Sample) and "QPIGS with NAK" in str(failed.reason)
