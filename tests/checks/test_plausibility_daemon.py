"""The daemon runs the plausibility checks on every sample: a whole simulated SCP site (XW, two MPPTs and the
ComBox over Modbus TCP, the Pylontech console on a pty), the battery carrying the house at night (01:00). Silent
while the devices agree; the console's current misread ×10, then with its sign flipped, is flagged, named and
an alert (the daemon's AlertManager)."""

from __future__ import annotations

import asyncio
from solarctl.clock import SystemClock
from solarctl.daemon import Daemon
from solarctl.sim.site import SimulatedSite
from tests.checks.site import scp_site

KEY = ("battery_current_implausible", "battery")


async def until(condition):
    while not condition():
        await asyncio.sleep(0.05)


async def test_the_daemon_flags_a_misread_battery_current(tmp_path):
    config, plant = scp_site(tmp_path, 1)
    config = config.model_copy(update={"device": [d.model_copy(update={"poll_interval": 0.3}) for d in config.device]})
    plant.step(300)
    # The battery alone carries the house; ×10 of this current is still within a module's physical range
    # (a misread beyond it is a poll error, never a sample: Metric.valid).
    assert -10 < plant.battery.current_a < -2
    site = SimulatedSite(config, plant)
    await site.start()
    daemon = Daemon(config, SystemClock())
    watch = daemon.plausibility
    task = asyncio.create_task(daemon.run())
    try:
        async with asyncio.timeout(40):
            await until(lambda: all(daemon.hub.devices.get(d.name) and daemon.hub.devices[d.name].ok
                                    for d in config.device))
            evaluated = watch.evaluations
            await until(lambda: watch.evaluations >= evaluated + 10)
            assert watch.active == {} and daemon.supervisor.health()["plausibility checks"]["state"] == "ok"
            for factor, named in ((10.0, "×10"), (-1.0, "sign")):
                site.faults("battery").scaled["current"] = factor
                await until(lambda: KEY in watch.active)
                found = watch.active[KEY]
                assert found.values["factor"] == named and f"suspected {named}" in found.message
                alerts = [e for e in daemon.alerts.events(active_only=True) if (e.kind, e.device) == KEY]
                assert len(alerts) == 1 and f"suspected {named}" in alerts[0].message  # an alert, through the manager
                site.faults("battery").scaled.clear()
                await until(lambda: KEY not in watch.active)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await site.stop()
