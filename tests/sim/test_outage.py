"""Kill the simulator mid-poll and restart it: the daemon logs the outage once, backs off,
reconnects and reads fresh values; nothing stale is ever published as fresh."""

import asyncio
import logging
import os
import signal
import socket
import sys
import time

from solarctl.clock import SystemClock
from solarctl.config import load_config
from solarctl.daemon import Daemon
from solarctl.sample import PollError, Sample
from tests.conftest import free_port


def write_config(tmp_path, port):
    path = tmp_path / "site.toml"
    devices = "".join(f"""
[[device]]
name = "{name}"
driver = "{driver}"
host = "127.0.0.1"
port = {port}
unit = {unit}
poll_interval = 0.2
timeout = 0.5
""" for name, driver, unit in [("xw", "conext_xw", 10), ("west", "conext_mppt", 30), ("combox", "conext_combox", 201)])
    path.write_text(f'[general]\ndata_dir = "{tmp_path}/data"\n{devices}')
    return path


async def start_sim(config, port):
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", "sim", "--config", str(config),
                                                stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            assert time.monotonic() < deadline and proc.returncode is None, "simulator did not start"
            await asyncio.sleep(0.1)


async def test_simulator_killed_and_restarted(tmp_path, caplog):
    port = free_port()
    config = write_config(tmp_path, port)
    sim = await start_sim(config, port)
    daemon = Daemon(load_config(config), SystemClock())
    events = daemon.hub.subscribe(maxsize=100_000)
    link = next(iter(daemon.site.links.values()))
    caplog.set_level(logging.DEBUG, logger="solarctl")
    task = asyncio.create_task(daemon.run())
    try:
        await asyncio.sleep(1.5)
        assert daemon.hub.devices["xw"].ok
        before = dict(daemon.hub.devices["xw"].values)

        os.killpg(sim.pid, signal.SIGKILL)  # mid-poll: requests are in flight every 0.2 s
        await sim.wait()
        killed_at = time.time()
        await asyncio.sleep(3.0)
        state = daemon.hub.devices["xw"]
        assert not state.ok and state.error  # an error state with a reason ...
        assert state.values["battery_voltage"] == before["battery_voltage"]  # ... and the old values kept, stale
        assert daemon.facade.status("xw").status == "failed"  # not fresh, in every front end

        restarting_at = time.time()  # the simulator may answer from here on, before start_sim has returned
        sim = await start_sim(config, port)
        restarted_at = time.time()
        deadline = time.monotonic() + 20
        while not all(daemon.hub.devices[d].ok and daemon.hub.devices[d].last_sample_at > restarted_at
                      for d in ("xw", "west", "combox")):
            assert time.monotonic() < deadline, "no fresh values after the restart"
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if sim.returncode is None:
            os.killpg(sim.pid, signal.SIGKILL)
            await sim.wait()

    drained = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    samples = [e for e in drained if isinstance(e, Sample)]
    errors = [e for e in drained if isinstance(e, PollError)]
    # No value published as fresh while the simulator was gone.
    assert not [s for s in samples if killed_at + 0.6 < s.timestamp < restarting_at]
    assert errors and all(killed_at - 0.6 < e.timestamp for e in errors)
    # Fresh values after the restart, from a new plant.
    assert [s for s in samples if s.device == "xw" and s.timestamp > restarted_at]
    # The outage is logged once when it starts and once when it ends, per link and per device.
    down = [r for r in caplog.records if "link down" in r.getMessage()]
    back = [r for r in caplog.records if "link back" in r.getMessage()]
    assert len(down) == 1 and down[0].levelno == logging.WARNING
    assert len(back) == 1 and back[0].levelno == logging.INFO
    assert len([r for r in caplog.records if r.getMessage().startswith("xw: poll failed:")]) == 1
    # Backed off instead of hammering: a handful of connection attempts in ~3.5 s, not one per poll.
    assert link.reconnects == 1
    assert 2 <= link.connect_attempts <= 6
