"""No false alarms at a start: the whole daemon on the solar-station site (PV1800 and four JK packs on pty
buses) with `greedy_offgrid`, whose first look comes before any pack has been polled. A pack not read yet is
"not yet", not "lost": no alert at all while every device comes up; a pack that really goes silent still
raises one. And a start on a new database reloads the open alerts after the schema exists (no SQL error)."""

from __future__ import annotations

import asyncio

from solarctl.clock import SystemClock
from solarctl.config import parse_config
from solarctl.daemon import Daemon
from solarctl.demo.run import demo_config_text
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite

GREEDY = """
[[strategy]]
name = "greedy_offgrid"
inverter = "inverter"
interval = 0.2
max_data_age = 3
"""


async def until(condition, what: str) -> None:
    while not condition():
        await asyncio.sleep(0.05)


async def test_greedy_offgrid_raises_nothing_before_the_first_poll_and_a_silent_pack_still_alerts(tmp_path, caplog):
    text = demo_config_text(tmp_path, "solar_station_site") + GREEDY
    config = parse_config(text, "<test>")
    plant = Plant(config.plant, start=1_750_500_000.0)
    site = SimulatedSite(config, plant)
    await site.start()
    daemon = Daemon(config, SystemClock())
    task = asyncio.create_task(daemon.run())
    try:
        async with asyncio.timeout(60):
            await until(lambda: all(daemon.hub.devices.get(d.name) and daemon.hub.devices[d.name].ok
                                    for d in config.device), "every device polled")
            steps = daemon.strategies[0].strategy.counter, daemon.clock.time()
            await asyncio.sleep(2.0)  # ten more looks of the strategy with every pack fresh
            assert "cannot reload open alerts" not in caplog.text and "no such table" not in caplog.text
            assert daemon.alerts.events() == [], steps  # nothing raised, nothing cleared: no "no fresh data" at start
            site.faults("bms3").silent = True  # a pack that really goes quiet
            await until(lambda: any(e.kind == "battery_data_lost" and e.device == "bms3"
                                    for e in daemon.alerts.events(active_only=True)), "the lost pack alerted")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await site.stop()
