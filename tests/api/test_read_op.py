"""The daemon's `read` answer from its hub on a virtual clock: fresh values with their times, and the
two ways a device counts as failed (its latest poll failed; its values went stale)."""

from __future__ import annotations

import pytest

from solarctl.api.ops import DaemonOps
from solarctl.api.server import ApiError, Caller
from solarctl.clock import VirtualClock
from solarctl.config import validate_config
from solarctl.daemon import Daemon
from solarctl.sample import PollError, Sample

ME = Caller(pid=1, uid=1000)


@pytest.fixture
def ops(tmp_path):
    devices = [{"name": name, "driver": "conext_mppt", "host": "127.0.0.1", "port": 1, "unit": unit,
                "poll_interval": 5, "timeout": 1} for name, unit in (("west", 30), ("east", 31))]
    clock = VirtualClock()
    daemon = Daemon(validate_config({"general": {"data_dir": str(tmp_path)}, "device": devices}), clock)
    return DaemonOps(daemon.facade, None), daemon.hub, clock


async def test_fresh_failed_and_stale(ops):
    ops, hub, clock = ops
    start = clock.time()
    hub.publish(Sample("west", start, {"dc_input_power": 1153}, {"dc_input_power": "W"}, ("fan fault",)))
    hub.publish(Sample("east", start, {"dc_input_power": 900}))
    hub.publish(PollError("east", start + 1, "timeout after 1 s"))
    await clock.run_for(16)  # within 3 polls + a timeout
    report = await ops.read({"op": "read"}, ME)
    assert report["devices"] == {"west": {"dc_input_power": 1153}} and report["units"]["west"] == {"dc_input_power": "W"}
    assert report["sampled_at"] == {"west": start} and report["alarms"] == {"west": ["fan fault"]}
    assert report["errors"] == {"east": "timeout after 1 s"}  # its old values are not passed off as current
    assert report["status"] == {"west": "fresh", "east": "failed"}
    assert {"west", "east"} <= set(report["health"])  # and the daemon's other parts (sinks) by name
    await clock.run_for(1)
    report = await ops.read({"op": "read", "devices": ["west"]}, ME)
    assert report["devices"] == {} and report["errors"] == {"west": "its latest values are 17 s old (stale after 16 s)"}
    assert report["status"] == {"west": "stale"}
    assert "west" in report["health"] and "east" not in report["health"]


async def test_a_device_not_polled_yet_and_bad_fields(ops):
    ops, hub, clock = ops
    report = await ops.read({"op": "read"}, ME)
    assert report["errors"] == dict.fromkeys(("west", "east"), "not polled yet")  # the read model's words
    assert report["status"] == dict.fromkeys(("west", "east"), "never")
    with pytest.raises(ApiError, match="'devices' must be a list of names"):
        await ops.read({"op": "read", "devices": "west"}, ME)
    with pytest.raises(ApiError, match="the set request needs 'device'"):
        await ops.set({"op": "set", "setting": "x", "value": 1}, ME)
    with pytest.raises(ApiError, match="source 'Root!'"):
        await ops.set({"op": "set", "device": "west", "setting": "x", "value": 1, "source": "Root!"}, ME)
    outcome = await ops.set({"op": "set", "device": "west", "setting": "dc_input_power", "value": 1}, ME)
    assert outcome["outcome"] == "rejected" and "not a writable setting" in outcome["reason"]
