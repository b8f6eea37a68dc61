"""Benchmark: a simulated day of each demo site, counting alerts (there should be none).

As `solarctl demo` runs it: the plant on a clock sped up `--speed` times, the simulators serving it, the daemon
(strategies, plausibility checks, poll health, the store) on wall time; no web page. Prints, per site, the plant
hours run, the plausibility evaluations, the writes and every alert event (raised, cleared).

    .venv/bin/python bench/demo_day.py [--speed 120] [--site scp_site --site solar_station_site]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from solarctl.clock import ScaledClock, SystemClock
from solarctl.daemon import Daemon
from solarctl.demo.run import load_demo_config
from solarctl.plant import Plant, run_plant
from solarctl.sim.site import SimulatedSite

DAY_S = 86400.0


async def day(site_name: str, speed: float) -> None:
    config = load_demo_config(Path(tempfile.mkdtemp(prefix="solarctl-bench-day-")), site_name).model_copy(update={"web": None})
    clock = ScaledClock(speed)
    plant = Plant(config.plant, start=clock.time())
    start = plant.time
    site = SimulatedSite(config, plant)
    await site.start()
    daemon = Daemon(config, SystemClock())
    events = []
    publish = daemon.alerts.publish

    def record(event) -> None:
        events.append((round((plant.time - start) / 3600, 2), event.kind, event.device, event.state, event.message))
        publish(event)
    daemon.alerts.publish = record
    tasks = [asyncio.create_task(run_plant(plant, clock)), asyncio.create_task(daemon.run())]
    began = time.monotonic()
    try:
        while plant.time - start < DAY_S:
            await asyncio.sleep(5)
            for task in tasks:
                if task.done():
                    task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await site.stop()
    print(f"{site_name} at {speed:g}x: {(plant.time - start) / 3600:.1f} plant hours in {time.monotonic() - began:.0f} s; "
          f"plausibility evaluations {daemon.plausibility.status().delivered}; writes {len(daemon.writer.ledger.entries)}; "
          f"alert events {len(events)}")
    for event in events:
        print("  ", *event)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=120.0)
    parser.add_argument("--site", action="append", choices=("scp_site", "solar_station_site"))
    args = parser.parse_args()
    for site in args.site or ("scp_site", "solar_station_site"):
        asyncio.run(day(site, args.speed))


if __name__ == "__main__":
    main()
