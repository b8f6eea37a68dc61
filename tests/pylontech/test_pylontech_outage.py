"""Outages between the driver and the console simulator over a real pty pair: the adapter unplugged
and plugged back (the console woken again), a console silent for long enough to reopen the link."""

from __future__ import annotations

import asyncio
import time

from solarctl.clock import SystemClock
from solarctl.devices.pylontech.describe import PylontechConsoleConfig
from solarctl.devices.pylontech.driver import PylontechConsole
from solarctl.hub import StateHub
from solarctl.links import make_link
from solarctl.polling import Poller
from solarctl.sample import PollError, Sample
from solarctl.sim.pylontech_console import PylontechConsoleSimulator

from .conftest import BAUD


def polled_battery(path: str, **config):
    config = PylontechConsoleConfig.model_validate(
        {"name": "battery", "driver": "pylontech_console", "port": path, "timeout": 0.5, **config})
    driver = PylontechConsole(config)
    link = make_link(driver.link_kind, config, SystemClock(), driver.min_gap)
    link.backoff.initial = 0.2
    hub = StateHub()
    return driver, link, hub, Poller(link, [driver], SystemClock(), hub.publish)


async def poll_until_sample(poller, driver, seconds: float) -> Sample:
    deadline = time.monotonic() + seconds
    while not isinstance(result := await poller.poll(driver), Sample):
        assert time.monotonic() < deadline, f"no fresh values; last error: {result.reason}"
        await asyncio.sleep(0.1)
    return result


async def test_wake_up_poll_unplug_replug_fresh_values(pty_pair, plant):
    sim = PylontechConsoleSimulator(pty_pair.b, BAUD, plant, needs_wakeup=True)
    await sim.start()
    driver, link, hub, poller = polled_battery(pty_pair.a, wakeup="auto")
    try:
        first = await poller.poll(driver, everything=True)
        assert isinstance(first, Sample) and sim.wakeups == 1

        await sim.stop()  # the simulator closes, then the adapter vanishes
        pty_pair.unplug()
        failed = await poller.poll(driver)
        assert isinstance(failed, PollError) and "connection lost" in failed.reason
        assert hub.state("battery").error and not link.is_open

        plant.battery.set_soc(90.0)  # the stack moved on while the cable was out
        pty_pair.plug()
        sim = PylontechConsoleSimulator(pty_pair.b, BAUD, plant, needs_wakeup=True)  # powered up again: asleep
        await sim.start()
        fresh = await poll_until_sample(poller, driver, 10)
        assert sim.wakeups == 1 and link.reconnects == 1 and hub.state("battery").ok
        assert first.values["soc"] < 70 and fresh.values["soc"] == 90.0
    finally:
        await link.close()
        await sim.stop()


async def test_a_console_silent_for_long_gets_the_link_reopened(pty_pair, plant):
    sim = PylontechConsoleSimulator(pty_pair.b, BAUD, plant)
    await sim.start()
    driver, link, hub, poller = polled_battery(pty_pair.a, wakeup="never")
    try:
        assert isinstance(await poller.poll(driver, everything=True), Sample)
        sim.faults.silent = True
        for _ in range(link.timeouts_before_reconnect):
            assert "did not answer" in (await poller.poll(driver)).reason
        assert not link.is_open and link.down  # timeouts in a row: the port is closed, to be reopened
        await asyncio.sleep(0.3)
        assert "cannot connect (no console prompt: 3 x CR/LF" in (await poller.poll(driver)).reason
        sim.faults.clear()
        await poll_until_sample(poller, driver, 5)
        assert link.reconnects == 1
    finally:
        await link.close()
        await sim.stop()
