"""A console simulator over a plant on one end of a socat pty pair; the link or the driver on the other."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from solarctl.clock import SystemClock
from solarctl.devices.pylontech.describe import PylontechConsoleConfig
from solarctl.devices.pylontech.console_link import PylontechConsoleLink
from solarctl.devices.pylontech.driver import PylontechConsole
from solarctl.links import make_link
from solarctl.plant import Plant, PlantConfig
from solarctl.sim.pylontech_console import PylontechConsoleSimulator

BAUD = 115200
NOON = dt.datetime(2026, 6, 21, 12, 0, tzinfo=ZoneInfo("Europe/Vienna")).timestamp()  # the sun charges the stack


@pytest.fixture
def plant():
    plant = Plant(PlantConfig(), start=NOON)
    plant.step(300)
    return plant


@pytest.fixture
async def console(pty_pair, plant):
    """`await console(wakeup=..., **simulator_options)` -> (simulator, link); all closed afterwards."""
    started = []

    async def start(*, wakeup="never", **options):
        sim = PylontechConsoleSimulator(pty_pair.b, BAUD, plant, **options)
        await sim.start()
        link = PylontechConsoleLink("console", pty_pair.a, BAUD, SystemClock(), wakeup=wakeup)
        started.append((sim, link))
        return sim, link

    yield start
    for sim, link in started:
        await link.close()
        await sim.stop()


@pytest.fixture
async def stack(pty_pair, plant):
    """`await stack(**device_config)` -> (simulator, driver, link) with the link the driver makes."""
    started = []

    async def start(*, sim_options=None, **device):
        sim = PylontechConsoleSimulator(pty_pair.b, BAUD, plant, **(sim_options or {}))
        await sim.start()
        config = PylontechConsoleConfig.model_validate(
            {"name": "battery", "driver": "pylontech_console", "port": pty_pair.a, "wakeup": "never",
             "timeout": 0.5, **device})
        driver = PylontechConsole(config)
        link = make_link(driver.link_kind, config, SystemClock(), driver.min_gap)
        started.append((sim, link))
        return sim, driver, link

    yield start
    for sim, link in started:
        await link.close()
        await sim.stop()
