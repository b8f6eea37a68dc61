"""The ComBox simulator: its raw registers checked by an independent client (mbpoll) against the
vendor maps, writes that change the plant, and the gateway's answer for units it does not carry."""

import asyncio
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from solarctl.clock import SystemClock
from solarctl.config import validate_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from solarctl.installation import Installation
from solarctl.plant import InverterMode, Plant
from solarctl.sim.site import SimulatedSite
from tests.conftest import free_port

EVENING = datetime(2026, 6, 21, 22, 0, tzinfo=ZoneInfo("Europe/Vienna")).timestamp()  # no sun: the grid feeds the load
DAWN = datetime(2026, 6, 21, 5, 0, tzinfo=ZoneInfo("Europe/Vienna")).timestamp()


def site_config(port, tmp_path):
    common = {"host": "127.0.0.1", "port": port, "timeout": 1.0}
    return validate_config({
        "general": {"data_dir": str(tmp_path)},  # per test: workers run side by side
        # A battery with room to charge all day, so the MPPTs are not curtailed at noon.
        "plant": {"battery": {"initial_soc_pct": 15.0}},
        "device": [
            {"name": "xw", "driver": "conext_xw", **common},
            {"name": "west", "driver": "conext_mppt", "unit": 30, **common},
            {"name": "east", "driver": "conext_mppt", "unit": 31, **common},
            {"name": "combox", "driver": "conext_combox", **common},
        ],
    })


@pytest.fixture
async def simulated(request, tmp_path):
    start, run_for = getattr(request, "param", (EVENING, 120))
    cfg = site_config(free_port(), tmp_path)
    plant = Plant(cfg.plant, start=start)
    plant.step(run_for)  # settle past the start-up instant (or live through a morning)
    site = SimulatedSite(cfg, plant)
    await site.start()
    yield cfg, plant, site
    await site.stop()


async def mbpoll(port, unit, ref, count, kind="4:hex"):
    """Read with mbpoll (Debian's Modbus master): PDU addressing (-0), one poll (-1)."""
    proc = await asyncio.create_subprocess_exec(
        "mbpoll", "-m", "tcp", "-p", str(port), "-a", str(unit), "-0", "-1", "-r", str(ref), "-c", str(count),
        "-t", kind, "127.0.0.1", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode() + out.decode()
    values = {}
    for line in out.decode().splitlines():
        m = re.match(r"\[(\d+)\]:\s+(\S+)", line)
        if m:
            values[int(m.group(1))] = int(m.group(2), 16) if m.group(2).startswith("0x") else int(m.group(2))
    return values


def text(words, length):
    """A str<nn> register, LSB First: the first character of each pair is the low byte."""
    data = b"".join(bytes((w & 0xFF, w >> 8)) for w in words)
    return data[:length].split(b"\0")[0].decode()


async def test_raw_registers_match_the_vendor_map(simulated):
    cfg, plant, site = simulated
    port = cfg.device[0].port
    grid, bat = plant.grid, plant.battery
    assert grid.power_w > 100  # importing at night: the XW reports that as a negative sint32
    # 32-bit values, mbpoll's default word order is low word first (= ComBox "LSB First")
    ints = await mbpoll(port, 10, 0x0062, 2, "4:int")
    assert ints[0x0062] == round(grid.voltage_v * 1000)  # Grid AC Voltage, uint32, 0.001 V
    ints = await mbpoll(port, 10, 0x0066, 2, "4:int")
    assert ints[0x0066] == -round(grid.power_w)  # Grid AC Power, sint32, W: negative
    ints = await mbpoll(port, 10, 0x0050, 2, "4:int")
    assert ints[0x0050] == round(bat.voltage_v * 1000)  # Battery Voltage, uint32, 0.001 V
    ints = await mbpoll(port, 10, 0x009A, 2, "4:int")
    assert ints[0x009A] == round(plant.load_served_w)  # Load AC Power, uint32, W
    ints = await mbpoll(port, 10, 0x017C, 2, "4:int")
    assert ints[0x017C] == 45500  # Low Battery Cut Out, uint32, 0.001 V
    ints = await mbpoll(port, 10, 0x0134, 2, "4:int")
    assert ints[0x0134] == round(plant.counters("load").day * 1000)  # Load Output Energy Today, 0.001 kWh
    words = await mbpoll(port, 10, 0x0056, 12)
    assert words[0x0056] == round((bat.temperature_c + 273) * 100)  # Battery Temperature, uint16, K x 100
    assert words[0x0061] == round(grid.frequency_hz * 100)  # Grid AC Frequency, uint16, 0.01 Hz
    words = await mbpoll(port, 10, 0x007A, 1)
    assert words[0x007A] == 1025  # Inverter Status: AC Pass Through
    words = await mbpoll(port, 10, 0x0000, 8)
    assert text([words[a] for a in range(8)], 16) == "XW+ 8548 E"  # Device Name, str16
    words = await mbpoll(port, 31, 0x0000, 8)
    assert text([words[a] for a in range(8)], 16) == "MPPT: East"
    ints = await mbpoll(port, 201, 0x03C8, 2, "4:int")
    assert ints[0x03C8] == round(bat.soc_pct)  # Battery Bank1 SOC, uint32, %
    ints = await mbpoll(port, 201, 0x009C, 2, "4:int")
    assert ints[0x009C] == round(bat.current_a * 1000)  # Battery Current Net, sint32, 0.001 A


async def test_driver_reads_what_the_plant_is_doing(simulated):
    cfg, plant, site = simulated
    install = Installation(cfg, SystemClock())
    results = await install.poll_once()
    await install.close()
    xw, west, combox = results["xw"].values, results["west"].values, results["combox"].values
    assert xw["grid_power"] == round(plant.grid.power_w) and xw["grid_power"] > 0  # + import, ours
    assert xw["battery_voltage"] == pytest.approx(plant.battery.voltage_v, abs=0.001)
    assert xw["inverter_status"] == "AC Pass Through" and xw["inverter_load_shave_status"] == "Disable"
    assert west["device_name"] == "MPPT: West" and west["dc_output_power"] == 0
    assert combox["battery_soc"] == round(plant.battery.soc_pct)


@pytest.mark.parametrize("simulated", [(DAWN, 4 * 3600)], indirect=True)  # 09:00 on a sunny morning
async def test_mppt_and_combox_in_the_morning(simulated):
    cfg, plant, site = simulated
    install = Installation(cfg, SystemClock())
    results = await install.poll_once()
    await install.close()
    west, east, combox = results["west"].values, results["east"].values, results["combox"].values
    assert east["dc_input_power"] > 2 * west["dc_input_power"] > 600  # the east roof gets the morning sun
    assert west["dc_input_voltage"] > 90 and west["mppt_charger_status"] in ("Bulk", "Absorption", "Float")
    assert combox["pv_harvest_power"] == pytest.approx(west["dc_output_power"] + east["dc_output_power"], abs=2)
    assert west["energy_pv_day"] > 0.5


async def test_writes_change_the_plant(simulated, tmp_path):
    cfg, plant, site = simulated
    install = Installation(cfg, SystemClock())
    writer = SafeWriter(install, AuditLedger(None), SystemClock())
    out = await writer.write("xw", "load_shave", "Enable")
    assert out.outcome == "written" and plant.settings.load_shave is True
    plant.settings.load_shave_amps = 2.0
    plant.step(30)
    assert plant.mode is InverterMode.LOAD_SHAVE
    assert plant.grid.power_w <= 2.0 * plant.grid.voltage_v + 1  # import capped at the load-shave amps
    out = await writer.write("xw", "low_battery_cut_out", 47.25)
    assert out.outcome == "written" and plant.settings.lbco_voltage_v == 47.25
    await install.close()


async def test_unknown_unit_answers_gateway_target_failed(simulated):
    cfg, plant, site = simulated
    proc = await asyncio.create_subprocess_exec(
        "mbpoll", "-m", "tcp", "-p", str(cfg.device[0].port), "-a", "77", "-0", "-1", "-r", "0", "127.0.0.1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert "Target device failed to respond" in (out + err).decode()  # libmodbus text for exception 0x0B
