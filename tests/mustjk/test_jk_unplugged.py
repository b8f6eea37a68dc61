"""Four JK packs on one RS485 port, one of them unplugged: the three others keep their poll rate,
the fourth is reported missing (an error state with the reason, never values), then comes back."""

import asyncio
import time

from solarctl.sample import PollError, Sample
from tests.mustjk.simulated import packs, server, simulated, site_config

INTERVAL = 0.8  # each pack's poll interval; a pack's poll takes ~0.15 s (gap 0.12 s + a 310-byte answer)
TIMEOUT = 0.15  # JK answers within ~40 ms at 115200 baud
WINDOW = 2.6  # as long before the unplug as after it


async def until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


def polled(events, device: str, kind, since: float, until: float) -> int:
    """Polls of `device` that started in [since, until) and ended as `kind`."""
    return len([e for e in events if e.device == device and isinstance(e, kind) and since <= e.timestamp < until])


async def test_an_unplugged_pack_is_missing_and_the_others_keep_their_rate(tmp_path):
    cfg = site_config(tmp_path, packs(tmp_path, "55aa", poll_interval=INTERVAL, timeout=TIMEOUT))
    async with simulated(cfg) as (plant, site, install):
        sim, hub = server(site, "bms1"), install.hub
        events = hub.subscribe(maxsize=10_000)
        task = asyncio.gather(*(asyncio.create_task(p.run()) for p in install.pollers))  # what the daemon supervises
        try:
            await until(lambda: all(hub.state(f"bms{u}").ok for u in (1, 2, 3, 4)), 5)  # first polls read every area
            started = time.time()
            await asyncio.sleep(WINDOW)
            unplugged = time.time()
            sim.faults.dead_units.add(4)
            await asyncio.sleep(WINDOW)
            replugged = time.time()
            state = hub.state("bms4")
            assert not state.ok and "JK PB unit 4 (live frame) did not answer within 0.15 s" in state.error
            assert install.device("bms4").health.consecutive_errors >= 2 and not install.link("bms1").down
            sim.faults.dead_units.clear()
            # The missing pack was retried with a growing backoff: it is back within that.
            await until(lambda: hub.state("bms4").ok and hub.state("bms4").last_sample_at > replugged, 6)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        seen = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    for unit in (1, 2, 3):
        before = polled(seen, f"bms{unit}", Sample, started, unplugged)
        assert before >= WINDOW / INTERVAL - 1
        assert polled(seen, f"bms{unit}", Sample, unplugged, replugged) >= before - 1  # the rate held
        assert polled(seen, f"bms{unit}", PollError, started, replugged) == 0
        assert install.device(f"bms{unit}").health.timeouts == 0
    # (a poll stamped just before the replug may wait for the bus and be answered after it)
    assert polled(seen, "bms4", Sample, unplugged, replugged - 0.5) == 0
    assert polled(seen, "bms4", PollError, unplugged, replugged) >= 2
