"""A real `solarctl run` subprocess polling simulated RS485 devices (a MUST PV1800 and a JK pack, each on
its own pty, served in the test's own loop so their request logs can be counted and their faults switched)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from solarctl.api.client import ControlClient
from solarctl.config import Config, load_config
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite
from tests.mustjk.simulated import NIGHT, PLANT, inverter, packs


async def solarctl(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


async def ask(data_dir: Path, op: str, **fields):
    """One control API request, off the loop (the simulators answering the daemon run on it)."""
    def call():
        client = ControlClient.connect(data_dir, timeout=10)
        assert client is not None, "no daemon listening"
        with client:
            return client.request(op, **fields)
    return await asyncio.to_thread(call)


def write_config(tmp_path: Path, poll_interval: float, **tables) -> Path:
    """The site's config; `tables` adds top-level tables (e.g. strategy=[...], web={...})."""
    timing = {"poll_interval": poll_interval, "slow_interval": poll_interval}
    devices = [inverter(tmp_path, **timing), *packs(tmp_path, "modbus", units=(1,), **timing)]
    path = tmp_path / "site.toml"
    path.write_text(tomli_w.dumps({"general": {"data_dir": str(tmp_path / "data")}, "device": devices, "plant": PLANT,
                                   **tables}))
    return path


@dataclass
class Rig:
    config_path: Path
    config: Config
    plant: Plant
    site: SimulatedSite
    daemon: asyncio.subprocess.Process | None = None

    @property
    def data_dir(self) -> Path:
        return self.config.general.data_dir

    def requests(self, device: str) -> int:
        """Modbus requests the simulator on `device`'s port has received so far."""
        return len(self.site.server_of[device].requests)

    async def start_daemon(self) -> None:
        log = open(self.config_path.parent / "daemon.log", "ab")
        self.daemon = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "solarctl", "run", "--config", str(self.config_path),
            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        log.close()
        async with asyncio.timeout(30):  # until every device has been polled once
            while True:
                assert self.daemon.returncode is None, (self.config_path.parent / "daemon.log").read_text()
                client = await asyncio.to_thread(ControlClient.connect, self.data_dir, 5)
                if client is not None:
                    client.close()
                    if not (await ask(self.data_dir, "read"))["errors"]:
                        return
                await asyncio.sleep(0.2)

    async def stop_daemon(self, sig: int = signal.SIGTERM) -> None:
        if self.daemon is not None and self.daemon.returncode is None:
            os.killpg(self.daemon.pid, sig)
            async with asyncio.timeout(30):
                await self.daemon.wait()


@asynccontextmanager
async def running_site(tmp_path: Path, poll_interval: float, **tables):
    """The site and its daemon; `tables` are added to the config (e.g. strategy=[...])."""
    path = write_config(tmp_path, poll_interval, **tables)
    config = load_config(path)
    plant = Plant(config.plant, start=NIGHT)
    plant.step(120)
    site = SimulatedSite(config, plant)
    await site.start()
    rig = Rig(path, config, plant, site)
    try:
        await rig.start_daemon()
        yield rig
    finally:
        try:
            await rig.stop_daemon()
        finally:
            if rig.daemon is not None and rig.daemon.returncode is None:
                os.killpg(rig.daemon.pid, signal.SIGKILL)
            await site.stop()
