"""Benchmark: polling a Conext site (XW + 2 MPPT + ComBox) through one ComBox connection.

Prints:
  1. Modbus requests per full poll (every value, settings included) vs the old SCP program's one
     request per value (22 for the XW, 16 per MPPT, per its source; notes §2.2-2.3);
  2. full-poll latency over loopback (p50/p95/max over N polls);
  3. the daemon's RSS and CPU while polling every second for a while (`solarctl run` as its own
     process, against `solarctl sim` in another, default SQLite store), twice: the first start, which
     creates the database (Alembic runs in the daemon), then a restart on that database (the steady state
     of an installation: the schema is current and Alembic is never imported).

Usage: .venv/bin/python bench/conext_poll.py [--polls 300] [--daemon-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from solarctl.clock import SystemClock
from solarctl.config import load_config
from solarctl.installation import Installation

OLD_REQUESTS = {"conext_xw": 22, "conext_mppt": 16, "conext_combox": 0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory: Path, port: int, interval: float) -> Path:
    devices = [("xw", "conext_xw", 10), ("mppt_west", "conext_mppt", 30), ("mppt_east", "conext_mppt", 31),
               ("combox", "conext_combox", 201)]
    text = f'[general]\ndata_dir = "{directory}"\nlog_level = "warning"\n'
    for name, driver, unit in devices:
        text += (f'\n[[device]]\nname = "{name}"\ndriver = "{driver}"\nhost = "127.0.0.1"\nport = {port}\n'
                 f"unit = {unit}\npoll_interval = {interval}\nslow_interval = {interval}\n")
    path = directory / "bench.toml"
    path.write_text(text)
    return path


def start_sim(config: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "solarctl", "sim", "--config", str(config)],
                            stderr=subprocess.DEVNULL)
    wait_for_port(port, "simulator")
    return proc


def wait_for_port(port: int, what: str = "server", seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"the {what} did not start")
            time.sleep(0.1)


STEADY = frozenset({"fast", "slow"})  # every value the old program read each cycle; identity is read once


async def full_poll(site: Installation) -> dict:
    return {name: await device.read(site.link(name), STEADY) for name, device in site.devices.items()}


async def requests_and_latency(config: Path, polls: int) -> None:
    site = Installation(load_config(config), SystemClock())
    for device in site.devices.values():
        device.health.requests = 0
    results = await full_poll(site)
    ours = sum(d.health.requests for d in site.devices.values())
    old = sum(OLD_REQUESTS[d.driver] for d in site.devices.values())
    print("Modbus requests per full poll (all live values and settings; identity strings are read once at start):")
    for name, device in site.devices.items():
        print(f"  {name:<10} {device.driver:<14} ours {device.health.requests:>2}   old {OLD_REQUESTS[device.driver]:>2}")
    print(f"  total: ours {ours}, old {old} (old ComBox values were never read) -> {old / ours:.1f}x fewer")
    print(f"  values per poll: {sum(len(r.values) for r in results.values())}")

    durations = []
    for _ in range(polls):
        started = time.perf_counter()
        await full_poll(site)
        durations.append(time.perf_counter() - started)
    durations.sort()
    p = lambda q: durations[min(len(durations) - 1, int(q * len(durations)))] * 1000
    print(f"Full-poll latency over loopback, {polls} polls of 4 devices ({ours} requests each):")
    print(f"  p50 {p(0.5):.2f} ms   p95 {p(0.95):.2f} ms   max {durations[-1] * 1000:.2f} ms   "
          f"per request p50 {p(0.5) / ours:.2f} ms")
    await site.close()


def daemon_footprint(config: Path, seconds: float, label: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "solarctl", "run", "--config", str(config)],
                            stderr=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    time.sleep(5)  # imports and first polls
    cpu0, t0 = ps.cpu_times(), time.monotonic()
    rss, anonymous = [], []
    while time.monotonic() - t0 < seconds:
        memory = ps.memory_info()
        rss.append(memory.rss)
        anonymous.append(memory.rss - memory.shared)  # resident pages not backed by a file (heap, stacks)
        time.sleep(1)
    cpu1, t1 = ps.cpu_times(), time.monotonic()
    proc.terminate()
    proc.wait(10)
    cpu = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / (t1 - t0) * 100
    print(f"Daemon polling 4 devices every 1 s for {seconds:.0f} s, {label}:")
    print(f"  RSS max {max(rss) / 2**20:.1f} MiB, mean {statistics.mean(rss) / 2**20:.1f} MiB "
          f"(anonymous max {max(anonymous) / 2**20:.1f} MiB)   CPU {cpu:.2f} % of one core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polls", type=int, default=300)
    parser.add_argument("--daemon-seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        config = write_config(Path(tmp), port, interval=1.0)
        sim = start_sim(config, port)
        try:
            asyncio.run(requests_and_latency(config, args.polls))
            daemon_footprint(config, args.daemon_seconds, "first start (creates the SQLite database)")
            daemon_footprint(config, args.daemon_seconds, "restarted on that database")
        finally:
            sim.terminate()
            sim.wait(10)


if __name__ == "__main__":
    main()
