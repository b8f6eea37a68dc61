"""The one supervisor of every long-running task (issue 19.2), on a virtual clock: a failure is logged once per
episode with its cause, the task is down and alerted, restarted after 1 s doubling to 60 s (with jitter), and the
backoff and the alert reset once the task has run a healthy period (the old restart delay only grew: 5, 12, 17 s …)."""

from __future__ import annotations

import asyncio
import logging
import random

from solarctl.alerts.config import AlertsConfig, ReleaseConfig
from solarctl.alerts.manager import AlertManager
from solarctl.clock import VirtualClock
from solarctl.supervisor import Supervisor, cancel_and_wait


class Flaky:
    """Fails while `broken`; otherwise runs until cancelled. Records when each attempt started."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.broken = True
        self.starts: list[float] = []

    async def run(self) -> None:
        self.starts.append(self.clock.time())
        if self.broken:
            raise OSError(2, "No such file or directory")
        await asyncio.Event().wait()


async def test_backoff_doubles_to_its_maximum_and_resets_after_a_healthy_period(caplog):
    caplog.set_level(logging.DEBUG, logger="solarctl.supervisor")
    clock = VirtualClock(start=0.0)
    events = []
    alerts = AlertManager(AlertsConfig(release=ReleaseConfig(evaluations=2)), clock, events.append)
    supervisor = Supervisor(clock, report=alerts.observe_all, rng=random.Random(1))
    flaky = Flaky(clock)
    task = supervisor.spawn("store database", flaky.run)
    await clock.run_for(300)
    gaps = [b - a for a, b in zip(flaky.starts, flaky.starts[1:])]
    bases = [1, 2, 4, 8, 16, 32, 60, 60]
    assert len(gaps) >= len(bases)
    for gap, base in zip(gaps, bases):
        assert 0.75 * base <= gap <= 1.25 * base, (gaps, bases)
    assert supervisor.state("store database").down
    assert "No such file or directory" in supervisor.health()["store database"]["last_error"]
    failed = [r for r in caplog.records if r.name == "solarctl.supervisor" and r.levelno >= logging.ERROR]
    assert len(failed) == 1 and failed[0].exc_info is not None  # once per episode, with the traceback
    assert [(e.kind, e.device, e.state) for e in events] == [("task_failed", "store database", "active")]

    flaky.broken = False
    await clock.run_for(80)  # the next restart (<= 75 s) succeeds
    running_since = flaky.starts[-1]
    await clock.run_for(running_since + 61 - clock.time())
    alerts.observe_all(supervisor.conditions())  # the daemon's alert watch evaluates them periodically
    alerts.observe_all(supervisor.conditions())
    assert supervisor.state("store database").state == "ok"
    assert [e.state for e in events] == ["active", "cleared"]
    assert "task store database is healthy again" in caplog.text

    flaky.broken = True  # a new episode starts from 1 s again, and is logged and alerted again
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert supervisor.state("store database").state == "stopped"
    flaky.starts.clear()
    task = supervisor.spawn("store database", flaky.run)
    await clock.run_for(2.0)
    assert 0.75 <= flaky.starts[1] - flaky.starts[0] <= 1.25
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_task_that_returns_is_done():
    clock = VirtualClock(start=0.0)
    supervisor = Supervisor(clock)

    async def finishes() -> None:
        await clock.sleep(1)

    task = supervisor.spawn("migrate", finishes)
    await clock.run_for(2)
    assert task.done() and task.exception() is None
    assert supervisor.health()["migrate"] == {"state": "done", "failures": 0, "restarts": 0, "last_error": None}


async def test_a_daemon_task_that_raises_is_down_alerted_restarted_and_polling_goes_on(tmp_path):
    """A check with a bug (here: the plausibility checks raise on every sample) costs the checks, never the poller:
    `task:plausibility checks` is down in health with its error, a task_failed alert is raised, and once the bug is
    gone the task is ok again and the alert clears."""
    from solarctl.clock import SystemClock
    from solarctl.config import validate_config
    from solarctl.daemon import Daemon
    from tests.conftest import StaticGateway

    async with asyncio.timeout(30), StaticGateway(units=(10,)) as gateway:
        config = validate_config({
            "general": {"data_dir": str(tmp_path)},
            "alerts": {"health_interval": 0.2, "release": {"evaluations": 2}},
            "device": [{"name": "xw", "driver": "conext_xw", "host": "127.0.0.1", "port": gateway.port, "unit": 10,
                        "poll_interval": 0.2, "timeout": 0.5}]})
        daemon = Daemon(config, SystemClock())
        daemon.supervisor.initial, daemon.supervisor.healthy_after = 0.2, 1.0
        checks = daemon.plausibility.checks
        real, broken = checks.evaluate, [True]

        def evaluate(view):
            if broken[0]:
                raise ZeroDivisionError("a check's bug")
            return real(view)

        checks.evaluate = evaluate
        run = asyncio.create_task(daemon.run())
        try:
            while not (daemon.health().get("task:plausibility checks", {}).get("state") == "down"
                       and [a for a in daemon.alerts.events(active_only=True) if a.kind == "task_failed"]):
                await asyncio.sleep(0.05)
            task = daemon.health()["task:plausibility checks"]
            assert "ZeroDivisionError: a check's bug" in task["last_error"]
            polls = daemon.site.devices["xw"].health.good_polls
            await asyncio.sleep(1.0)
            assert daemon.site.devices["xw"].health.good_polls >= polls + 3  # polling never noticed
            broken[0] = False
            while daemon.alerts.events(active_only=True):
                await asyncio.sleep(0.05)
            assert daemon.health()["task:plausibility checks"]["state"] == "ok"
            assert daemon.plausibility.evaluations > 0
        finally:
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
    [alert] = [a for a in daemon.alerts.events() if a.kind == "task_failed"]
    assert (alert.device, alert.state) == ("plausibility checks", "cleared")


async def test_a_task_that_swallows_its_cancel_is_cancelled_again_until_it_ends():
    """Python 3.11's asyncio.timeout can swallow a cancel that lands as its block completes; a stop that
    cancelled once and gathered waited forever (`solarctl run` that never exited on SIGTERM)."""
    swallowed = []

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            swallowed.append(True)  # what the 3.11 race does: the cancel is gone, the task runs on
        await asyncio.sleep(3600)

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        left = await cancel_and_wait([task])
    assert left == [] and task.cancelled() and swallowed == [True]


async def test_a_task_that_outlives_every_round_is_returned_not_waited_for_forever():
    cancels = []

    async def deaf() -> None:  # swallows its first four cancels
        while len(cancels) < 4:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancels.append(True)

    task = asyncio.create_task(deaf())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        assert await cancel_and_wait([task], tries=2) == [task] and len(cancels) == 2
        assert await cancel_and_wait([task]) == [] and task.done()
