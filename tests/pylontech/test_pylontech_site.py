"""The stack in the embedded SCP demo site: served by `solarctl sim` and read by `solarctl read`, and
shown by `solarctl demo`, whose soc_band strategy takes its SoC."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sys
import time

from rich.console import Console

from solarctl.demo.run import demo_config_text, load_demo_config, run_demo


async def test_sim_serves_the_demo_stack_that_read_reads(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text(demo_config_text(tmp_path))
    sim = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", "sim", "--config", str(config),
                                               stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "ttyPylontech").exists():
            assert time.monotonic() < deadline and sim.returncode is None, "the simulator did not start"
            await asyncio.sleep(0.1)
        read = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "solarctl", "read", "--config", str(config), "--device", "battery", "--json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(read.communicate(), 30)
        assert read.returncode == 0, err.decode()
        battery = json.loads(out)["devices"]["battery"]
        assert battery["module_count"] == 6 and 0 < battery["soc"] <= 100 and 45 < battery["voltage"] < 56
        # One `bat N` per poll, module 1 first.
        assert [len(module.get("cell_voltages", [])) for module in battery["modules"]] == [15, 0, 0, 0, 0, 0]
    finally:
        os.killpg(sim.pid, signal.SIGTERM)
        await sim.wait()


async def test_demo_shows_the_stack(tmp_path):
    config = load_demo_config(tmp_path, "scp_site")
    assert config.strategy[0].battery == "battery"
    screen = io.StringIO()
    await run_demo(config, speed=60, duration=7, console=Console(file=screen, width=200))
    battery_rows = [line for line in screen.getvalue().splitlines() if line.startswith("│ battery")]
    assert battery_rows and all(f" {text} " in battery_rows[-1] for text in ("fresh", "SoC", "modules 6"))
