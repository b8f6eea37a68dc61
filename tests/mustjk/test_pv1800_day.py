"""A day of polling the simulated PV1800: the request log never shows a read that touches 20016-20100
or 10009-10100 (where a block read shuts a real inverter down), nor a write to a calibration
register - through outages, corrupt answers, line noise and setting changes. The schedule runs on
a clock that jumps ahead whenever the poller waits, so a day takes seconds; the I/O is real."""

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.devices.must_pv1800.describe import MustPv1800Config
from solarctl.devices.must_pv1800.driver import MustPv1800
from tests.mustjk.simulated import NIGHT, inverter, server, simulated, site_config, writer

FORBIDDEN = ((20016, 20100), (10009, 10100))
CALIBRATION = ((20009, 20016), (10006, 10008))
DAY = 86400.0
POLL, SLOW = 180.0, 900.0


class FastForwardClock:
    """Virtual time that jumps ahead as soon as someone sleeps (one polling task uses it)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def touches(first: int, last: int, spans) -> bool:
    return any(first <= hi and last >= lo for lo, hi in spans)


# (from hour, to hour, fault): what goes wrong on the line during the day.
EPISODES = [(3.0, 3.5, "silent"), (12.0, 12.3, "corrupt"), (20.0, 20.5, "noise")]
WRITES = {8.0: ("grid_connection", "off-grid"), 9.0: ("export_current_limit", 5.0), 18.0: ("grid_connection", "on-grid")}


async def test_a_day_of_polling_never_touches_the_forbidden_spans(tmp_path):
    clock = FastForwardClock(NIGHT)
    # 4 Mbaud: the wire time of a day's traffic at 19200 baud would take hours of real time.
    cfg = site_config(tmp_path, [inverter(tmp_path, baudrate=4_000_000, poll_interval=POLL, slow_interval=SLOW, timeout=0.2)])
    async with simulated(cfg, clock=clock) as (plant, site, install):
        sim = server(site, "inverter")
        sim.turnaround_s = 0.0
        device, safe, pending = install.device("inverter"), writer(install), dict(WRITES)
        # Merge across any gap one request allows: only the forbidden spans keep the planner out.
        device.max_gap = 125
        task = asyncio.create_task(install.pollers[0].run())
        try:
            while (hour := (clock.now - NIGHT) / 3600) < DAY / 3600:
                active = {fault for start, end, fault in EPISODES if start <= hour < end}
                sim.faults.silent = "silent" in active
                sim.faults.corrupt_units = {4} if "corrupt" in active else set()
                sim.faults.noise, sim.faults.echo = (b"\x00\xff\x04\x03", True) if "noise" in active else (b"", False)
                for at in [at for at in pending if at <= hour]:
                    outcome = await safe.write("inverter", *pending.pop(at))
                    assert outcome.outcome == "written", outcome.describe()
                await asyncio.sleep(0.01)
                assert not task.done(), task
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    requests = list(sim.requests)
    assert device.health.polls >= 0.9 * DAY / POLL and not pending  # a whole day went by, writes included
    assert device.health.timeouts > 0 and device.health.bad_frames > 0  # and the faults did happen
    reads = [(r.address, r.address + r.count - 1) for r in requests if r.function == 3]
    assert not [r for r in reads if touches(*r, FORBIDDEN)]
    assert not [r for r in requests if r.function in (6, 16) and touches(r.address, r.address + r.count - 1, CALIBRATION)]
    assert {(20101, 20144), (10103, 10123), (15201, 15221), (25201, 25279)} <= set(reads)
    assert len([r for r in reads if r == (20101, 20144)]) >= 0.9 * DAY / SLOW  # settings on the slow cadence
    assert not sim.units[4].bank.crashed


@settings(max_examples=60, deadline=None)
@given(max_gap=st.integers(0, 20000), groups=st.sets(st.sampled_from(["fast", "slow", "once"]), min_size=1))
def test_the_drivers_plans_never_touch_the_forbidden_spans(max_gap, groups):
    device = MustPv1800(MustPv1800Config(name="inverter", driver="must_pv1800", port="/dev/null"))
    device.max_gap = max_gap
    blocks = device.blocks(frozenset(groups))
    assert blocks and not [b for b in blocks if touches(b.start, b.start + b.count - 1, FORBIDDEN)]
