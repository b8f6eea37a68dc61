"""Polling a link: dead devices back off alone, errors are states not values, health is counted."""

import asyncio

from solarctl.bus.tcp import ModbusTcpLink
from solarctl.clock import SystemClock
from solarctl.devices.conext.describe import ConextComboxConfig, ConextMpptConfig, ConextXwConfig
from solarctl.devices.conext.combox import ConextCombox
from solarctl.devices.conext.mppt import ConextMppt
from solarctl.devices.conext.xw import ConextXw
from solarctl.hub import StateHub
from solarctl.polling import Poller
from solarctl.read_model import device_status
from solarctl.sample import PollError, Sample
from tests.conftest import StaticGateway


def devices(port, interval=0.1):
    common = dict(host="127.0.0.1", port=port, poll_interval=interval, timeout=0.5)
    return [
        ConextXw(ConextXwConfig(name="xw", driver="conext_xw", **common)),
        ConextMppt(ConextMpptConfig(name="west", driver="conext_mppt", unit=30, **common)),
        ConextMppt(ConextMpptConfig(name="east", driver="conext_mppt", unit=31, **common)),
        ConextCombox(ConextComboxConfig(name="combox", driver="conext_combox", **common)),
    ]


async def run_for(poller, seconds):
    task = asyncio.create_task(poller.run())
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_dead_device_does_not_slow_the_others():
    # East MPPT unplugged: the gateway answers 0x0B for it. The others keep their 0.1 s rate.
    async with StaticGateway(units=(10, 30, 201)) as server:
        hub = StateHub()
        link = ModbusTcpLink("gw", "127.0.0.1", server.port, SystemClock())
        devs = devices(server.port)
        poller = Poller(link, devs, SystemClock(), hub.publish)
        await run_for(poller, 2.0)
        health = {d.name: d.health for d in devs}
        for name in ("xw", "west", "combox"):
            assert health[name].good_polls >= 15, (name, health[name].good_polls)  # ~20 expected at 0.1 s
            assert health[name].consecutive_errors == 0
        east = health["east"]
        assert east.good_polls == 0 and east.exceptions >= 1
        assert east.polls < 10  # backed off instead of being asked every 0.1 s
        assert "gateway target" in east.last_error
        assert hub.devices["east"].error and not hub.devices["east"].values  # an error state, no values
        await link.close()


async def test_failed_poll_leaves_last_values_stale_not_fresh():
    async with StaticGateway() as server:
        hub = StateHub()
        sub = hub.subscribe()
        link = ModbusTcpLink("gw", "127.0.0.1", server.port, SystemClock())
        xw = devices(server.port)[0]
        poller = Poller(link, [xw], SystemClock(), hub.publish)
        first = await poller.poll(xw)
        assert isinstance(first, Sample) and first.values["load_power"] == 1200
        server.faults.exception_code = 0x04
        second = await poller.poll(xw)
        assert isinstance(second, PollError) and "0x04" in second.reason
        state = hub.devices["xw"]
        assert state.values["load_power"] == 1200  # last good value kept ...
        assert not state.ok and device_status("xw", state, SystemClock().time(), 60).status == "failed"  # ... not fresh
        events = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
        assert [type(e).__name__ for e in events] == ["Sample", "PollError"]
        server.faults.clear()
        assert isinstance(await poller.poll(xw), Sample) and hub.devices["xw"].ok
        assert xw.health.good_polls == 2 and xw.health.consecutive_errors == 0 and xw.health.polls == 3
        await link.close()


async def test_slow_group_is_read_on_its_own_cadence():
    async with StaticGateway(units=(10,)) as server:
        link = ModbusTcpLink("gw", "127.0.0.1", server.port, SystemClock())
        xw = devices(server.port)[0]
        xw.slow_interval = 3600
        poller = Poller(link, [xw], SystemClock(), lambda e: None)
        first = await poller.poll(xw)
        second = await poller.poll(xw)
        assert "battery_low_voltage" in first.values and "device_name" in first.values
        assert "battery_low_voltage" not in second.values and "device_name" not in second.values
        assert "grid_power" in second.values
        await link.close()
