"""Benchmark: polling a Pylontech US2000B Plus stack over its RS232 console (simulated, on a pty pair).

One poll is the `pylontech_console` driver's steady state: `pwr`, plus one `bat N` (cell_interval is
made tiny, so every poll reads the next module's cell table). The simulator models wire time at the
configured baud rate (10 bits a byte) and an assumed 5 ms think time per command. The wire-time
minimum of a poll is the bytes of its commands, their echo and the answers at that rate.

Prints poll time p50/p95/max, the bytes and wire-time minimum per poll, and measured / minimum.
(For scale: the old SCP program waited a blind 0.5 s after each `pwr`, up to three per cycle.)

Usage: .venv/bin/python bench/pylontech_poll.py [--polls 100] [--baudrate 115200] [--modules 6]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from solarctl.bus.serial_link import wire_time
from solarctl.clock import SystemClock
from solarctl.devices.pylontech.describe import PylontechConsoleConfig
from solarctl.devices.pylontech.driver import PylontechConsole
from solarctl.links import make_link
from solarctl.plant import Plant, PlantConfig
from solarctl.sim.pty import PtyBridge
from solarctl.sim.pylontech_console import PylontechConsoleSimulator

STEADY = frozenset({"fast"})


async def bench(directory: Path, polls: int, baudrate: int, modules: int) -> None:
    bridge = PtyBridge(str(directory / "ttyPylontech"))
    await bridge.start()
    plant = Plant(PlantConfig.model_validate({"battery": {"module_count": modules}}), start=1_750_000_000)
    plant.step(300)
    sim = PylontechConsoleSimulator(bridge.sim_path, baudrate, plant)
    await sim.start()
    config = PylontechConsoleConfig(name="battery", driver="pylontech_console", port=bridge.device_path,
                                    baudrate=baudrate, wakeup="never", cell_interval=1e-6, timeout=5.0)
    driver = PylontechConsole(config)
    link = make_link(driver.link_kind, config, SystemClock(), driver.min_gap)
    try:
        await driver.read(link, frozenset({"fast", "once"}))  # open the link, read `info`
        durations, minimums, sizes = [], [], []
        for _ in range(polls):
            before = sim.bytes_sent + sim.bytes_received
            started = time.perf_counter()
            await driver.read(link, STEADY)
            durations.append(time.perf_counter() - started)
            sizes.append(sim.bytes_sent + sim.bytes_received - before)
            minimums.append(wire_time(sizes[-1], baudrate))
    finally:
        await link.close()
        await sim.stop()
        await bridge.stop()
    commands = list(sim.commands)[-2:]
    ratios = sorted(d / m for d, m in zip(durations, minimums))
    durations.sort()
    ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
    quantile = lambda values, q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    print(f"{modules}-module stack at {baudrate} baud, {polls} polls of `pwr` + one `bat N` (last: {commands}):")
    print(f"  poll time   p50 {ms(quantile(durations, 0.5))}   p95 {ms(quantile(durations, 0.95))}   "
          f"max {ms(durations[-1])}")
    print(f"  bytes/poll  {statistics.median(sizes):.0f} (commands + echo + answers)   "
          f"wire-time minimum {ms(statistics.median(minimums))}")
    print(f"  measured / minimum   p50 {quantile(ratios, 0.5):.3f}   p95 {quantile(ratios, 0.95):.3f}   "
          f"(simulated think time: {ms(2 * sim.turnaround_s)} per poll)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polls", type=int, default=100)
    parser.add_argument("--baudrate", type=int, default=115200)
    parser.add_argument("--modules", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench(Path(tmp), args.polls, args.baudrate, args.modules))


if __name__ == "__main__":
    main()
