"""The soak (bench/soak.py) in the suite: a simulated day through a fault every simulated hour with no invariant
broken, and the planted defects it must find (a check that cannot fail is no check).

Wall time: 1 s polling for a simulated day is 86 400 polls a device, far beyond what this machine polls in a
minute (a few hundred samples per wall second for the SCP site when idle, much less under the suite's load). So
the day runs the SCP site (5 devices: XW+, two MPPTs, the ComBox behind one TCP gateway, the Pylontech console
on a pty) on a clock 3000x real time: polls are asked for every simulated second and happen as fast as the
machine allows (the report's `samples_per_device_hour` says how many); the fault schedule, alert thresholds
and recovery times are in simulated time, with the thresholds raised to a few wall seconds (see
bench/soak.py `Thresholds`). The README has the longer runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from soak import Soak  # noqa: E402

pytestmark = pytest.mark.slow


async def test_a_simulated_day_with_a_fault_every_hour_breaks_no_invariant():
    report = await Soak(days=1, seed=3, sites=["scp"], store="sqlite", speed=3000, poll=1.0).run()
    assert report["violations"]["total"] == 0, report["violations"]
    assert report["faults_total"] >= 24  # one every simulated hour, sometimes two
    assert report["samples"]["published"] > 100
    assert report["samples"]["stored"] == report["samples"]["published"]
    assert report["restores_checked"] > 0  # the daemon stopped at least once (the end) and its exit settings were read back


async def test_a_planted_silent_store_stall_is_found():
    report = await Soak(days=0.25, seed=1, sites=["scp"], store="sqlite", speed=3000, poll=1.0,
                        kinds=["write_burst"], plant_defect="store-stall").run()
    assert report["samples"]["lost"] > 0
    assert report["violations"]["by_kind"].get("samples_lost", 0) > 0


async def test_a_planted_budget_bypass_is_found():
    report = await Soak(days=0.25, seed=1, sites=["scp"], store="sqlite", speed=3000, poll=1.0,
                        kinds=["write_burst"], plant_defect="budget-bypass").run()
    assert report["writes"]["over_budget"] > 0
    assert report["violations"]["by_kind"].get("write_outside_rules", 0) > 0


async def test_the_same_bursts_without_the_plant_stay_in_budget():
    report = await Soak(days=0.25, seed=1, sites=["scp"], store="sqlite", speed=3000, poll=1.0, kinds=["write_burst"]).run()
    assert report["writes"]["reached_devices"] > 0
    assert report["writes"]["over_budget"] == 0
    assert report["violations"]["total"] == 0, report["violations"]
