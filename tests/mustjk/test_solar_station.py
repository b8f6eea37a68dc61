"""The embedded "solar-station" site end to end with the real commands: `solarctl demo --print-config`
writes it, `solarctl sim` serves it on two pty buses, `solarctl read --json` polls it."""

import asyncio
import json
import os
import signal
import sys

from solarctl.daemon import Daemon
from solarctl.demo.run import load_demo_config


async def solarctl(*args, **kw):
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, **kw)


async def test_sim_serves_the_site_and_read_reports_the_contract_metrics(tmp_path):
    printed = await solarctl("demo", "--site", "solar-station", "--print-config", "--data-dir", str(tmp_path))
    text, _ = await asyncio.wait_for(printed.communicate(), 30)
    config = tmp_path / "solar-station.toml"
    config.write_bytes(text)
    sim = await solarctl("sim", "--config", str(config), start_new_session=True)
    try:
        started = await asyncio.wait_for(sim.stderr.readline(), 30)  # printed once every bus is served
        assert started.startswith(b"simulating"), started
        read = await solarctl("read", "--config", str(config), "--json")
        out, err = await asyncio.wait_for(read.communicate(), 30)
        assert read.returncode == 0, err.decode()
    finally:
        os.killpg(sim.pid, signal.SIGTERM)
        await asyncio.wait_for(sim.wait(), 10)
    devices = json.loads(out)["devices"]
    assert set(devices) == {"inverter", "bms1", "bms2", "bms3", "bms4"}
    inverter = devices["inverter"]
    for metric in ("battery_voltage", "battery_current", "battery_power", "pv_voltage", "pv_power", "grid_voltage",
                   "grid_power", "load_power", "grid_frequency", "energy_grid_import_total"):
        assert isinstance(inverter[metric], (int, float)), metric
    assert inverter["on_grid"] is True and inverter["model"] == "PV1800"
    for name in ("bms1", "bms2", "bms3", "bms4"):
        pack = devices[name]
        assert len(pack["cell_voltages"]) == 16 and 2.5 < pack["cell_voltage_min"] <= pack["cell_voltage_max"] < 3.7
        assert abs(pack["voltage"] - inverter["battery_voltage"]) < 0.1  # one bank, seen by both
        assert all(isinstance(pack[m], (int, float)) for m in ("soc", "current", "temperature"))


def test_the_site_mirrors_the_old_setup_and_runs_the_command_file(tmp_path):
    config = load_demo_config(tmp_path, "solar_station_site")
    ports = {(d.port.rsplit("/", 1)[1], d.baudrate) for d in config.device}
    assert ports == {("ttyINV0", 19200), ("ttyBMS0", 115200)}  # two adapters, as the old site had
    assert {d.protocol for d in config.device if d.driver == "jk_pb"} == {"55aa"} and not config.strategy
    assert config.command_file.path == tmp_path / "inverter_cmd.lst"
    assert "command file" in Daemon(config).services
