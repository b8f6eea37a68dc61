"""Benchmark: a full poll of the PV1800 and four JK PB packs against the wire-time minimum.

The embedded solar-station site (PV1800 on its own port at 19200 baud; four packs on a second
port at 115200 baud, PB bus protocol) is served by the simulators on pty pairs, which model the
wire time at those baud rates. For each port the minimum is the time the poll's bytes take on the
wire (10 bits a byte) plus the silence required between its frames (the link's min_gap: 0.12 s
for JK PB, 5 ms for the PV1800); the simulators' answer turnaround (5 ms) is part of the measured
time, not of the minimum. The two ports are polled in parallel, so the site's minimum is the larger
of the two. Target: measured within 1.3x of the minimum.

    .venv/bin/python bench/rs485_poll.py [--rounds 5]
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
from solarctl.demo.run import load_demo_config
from solarctl.installation import Installation
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite

TARGET = 1.3


class Counted:
    """A simulated unit whose traffic is counted: request frames in, answers out (bytes)."""

    def __init__(self, unit, traffic: dict) -> None:
        self.unit = unit
        self.traffic = traffic

    def answer(self, address: int, pdu: bytes) -> bytes | None:
        answer = self.unit.answer(address, pdu)
        self.traffic["requests"] += 1
        self.traffic["bytes"] += len(pdu) + 3 + len(answer or b"")  # address + PDU + CRC, then the answer
        return answer


async def timed_poll(poller, groups_all: bool) -> float:
    """One poll of every device on the port, from an idle bus (the gap after the last one has passed)."""
    await asyncio.sleep(poller.link.min_gap)
    started = time.perf_counter()
    for device in poller.devices:
        result = await poller.poll(device, everything=groups_all)
        if not hasattr(result, "values"):
            raise SystemExit(f"{device.name}: poll failed: {result.reason}")
    return time.perf_counter() - started


async def measure(rounds: int, everything: bool, site: SimulatedSite, install: Installation) -> list[dict]:
    rows = []
    for poller in install.pollers:
        server = site.server_of[poller.devices[0].name]
        traffic = {"requests": 0, "bytes": 0}
        originals = dict(server.units)
        server.units.update({u: Counted(h, traffic) for u, h in originals.items()})
        try:
            await timed_poll(poller, everything)  # warm up: the port is opened, identities read
            traffic.update(requests=0, bytes=0)
            times = [await timed_poll(poller, everything) for _ in range(rounds)]
        finally:
            server.units.update(originals)
        requests, nbytes = traffic["requests"] / rounds, traffic["bytes"] / rounds
        wire = wire_time(round(nbytes), server.baudrate)
        gaps = (requests - 1) * poller.link.min_gap
        rows.append({"port": Path(server.port.path).name.removesuffix(".sim"), "baud": server.baudrate,
                     "devices": len(poller.devices), "requests": requests, "bytes": nbytes, "wire": wire, "gaps": gaps,
                     "minimum": wire + gaps, "turnaround": requests * server.turnaround_s,
                     "measured": statistics.median(times)})
    return rows


async def parallel(rounds: int, install: Installation) -> float:
    """Median wall time of a full poll of both ports at once."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await asyncio.gather(*(timed_poll(p, True) for p in install.pollers))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(f"  {'port':<8} {'baud':>6} {'dev':>3} {'req':>4} {'bytes':>6} {'wire s':>7} {'gaps s':>7} "
          f"{'min s':>7} {'meas s':>7} {'ratio':>6}   {'of which device turnaround s':>}")
    for r in rows:
        print(f"  {r['port']:<8} {r['baud']:>6} {r['devices']:>3} {r['requests']:>4.0f} {r['bytes']:>6.0f} {r['wire']:>7.3f} "
              f"{r['gaps']:>7.3f} {r['minimum']:>7.3f} {r['measured']:>7.3f} {r['measured'] / r['minimum']:>6.2f}   "
              f"{r['turnaround']:.3f}")


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="solarctl-bench-") as directory:
        config = load_demo_config(Path(directory), "solar_station_site")
        plant = Plant(config.plant, start=time.time())
        site = SimulatedSite(config, plant)
        await site.start()
        install = Installation(config, SystemClock())
        try:
            full = await measure(rounds, True, site, install)
            fast = await measure(rounds, False, site, install)
            both = await parallel(rounds, install)
        finally:
            await install.close()
            await site.stop()
    report(f"Full poll (identity, realtime, settings, device info), median of {rounds}", full)
    report(f"Routine poll (realtime only), median of {rounds}", fast)
    minimum = max(r["minimum"] for r in full)
    print(f"\nBoth ports at once, full poll: measured {both:.3f} s, minimum {minimum:.3f} s, "
          f"ratio {both / minimum:.2f} (target <= {TARGET})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
