"""Benchmark: from a device poll to its MQTT state message, on loopback.

`solarctl sim` serves a Conext site (XW + 2 MPPT + ComBox) in one process; the daemon polls it every
`--interval` s with the MQTT sink publishing to a mosquitto started here (127.0.0.1, free port, no
persistence); a subscriber records when each device's state message arrives. Two figures per message:
  - from the poll's start (the Sample's timestamp, what the state payload carries) to arrival: the poll's
    own Modbus round trips included;
  - from the moment the sample reached the state hub to arrival: what the MQTT path itself adds.

Usage: .venv/bin/python bench/mqtt_latency.py [--seconds 30] [--interval 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiomqtt

sys.path.insert(0, str(Path(__file__).parent))
from conext_poll import free_port, start_sim, write_config  # noqa: E402

from solarctl.clock import SystemClock  # noqa: E402
from solarctl.config import load_config  # noqa: E402
from solarctl.daemon import Daemon  # noqa: E402
from solarctl.sample import Sample  # noqa: E402


def start_broker(directory: Path) -> tuple[subprocess.Popen, int]:
    binary = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
    if binary is None:
        raise SystemExit("mosquitto not found: apt-get install mosquitto (scripts/setup --test does)")
    port = free_port()
    (directory / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([binary, "-c", str(directory / "mosquitto.conf")], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("mosquitto did not start")
            time.sleep(0.05)


class HubTimes:
    """Attached to the hub: when each sample arrived there."""

    name = "bench"

    def __init__(self) -> None:
        self.times: dict[tuple[str, float], float] = {}

    def submit(self, event) -> None:
        if isinstance(event, Sample):
            self.times[(event.device, event.timestamp)] = time.time()


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def measure(config_path: Path, broker_port: int, seconds: float) -> None:
    config = load_config(config_path)
    daemon = Daemon(config, SystemClock())
    hub_times = HubTimes()
    daemon.hub.attach(hub_times)
    arrivals: list[tuple[float, str, float]] = []
    async with aiomqtt.Client("127.0.0.1", broker_port) as client:
        await client.subscribe("solarctl/+/state")

        async def record() -> None:
            async for message in client.messages:
                arrivals.append((time.time(), str(message.topic).split("/")[1], json.loads(message.payload)["timestamp"]))

        recorder = asyncio.create_task(record())
        run = asyncio.create_task(daemon.run())
        await asyncio.sleep(seconds)
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        recorder.cancel()
        await asyncio.gather(recorder, return_exceptions=True)
    from_poll = [(arrived - stamp) * 1000 for arrived, _, stamp in arrivals]
    from_hub = [(arrived - hub_times.times[(device, stamp)]) * 1000 for arrived, device, stamp in arrivals
                if (device, stamp) in hub_times.times]
    polls = sum(1 for _ in hub_times.times)
    print(f"{len(arrivals)} state messages for {polls} polls of {len(config.device)} devices over {seconds:g} s")
    for label, values in (("poll start -> MQTT state message", from_poll), ("sample in hub -> MQTT state message", from_hub)):
        print(f"{label}: p50 {pct(values, 50):.2f} ms, p95 {pct(values, 95):.2f} ms, max {max(values):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        broker, broker_port = start_broker(directory)
        sim_port = free_port()
        config_path = write_config(directory, sim_port, args.interval)
        config_path.write_text(config_path.read_text() + f'\n[mqtt]\nhost = "127.0.0.1"\nport = {broker_port}\n')
        sim = start_sim(config_path, sim_port)
        try:
            asyncio.run(measure(config_path, broker_port, args.seconds))
        finally:
            sim.terminate()
            broker.terminate()
            sim.wait(10)
            broker.wait(10)


if __name__ == "__main__":
    main()
