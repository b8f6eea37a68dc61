"""run_plant keeps a plant in step with any Clock."""

from __future__ import annotations

import asyncio
import time

import pytest

from plant_helpers import local_epoch, make_plant
from solarctl.clock import ScaledClock, VirtualClock
from solarctl.plant import run_plant


async def test_virtual_clock_advances_the_plant_exactly():
    start = local_epoch(2025, 6, 21, 10)
    plant = make_plant(start)
    clock = VirtualClock(start=1_700_000_000.0)  # the plant keeps its own epoch
    task = asyncio.create_task(run_plant(plant, clock, step_s=1.0))
    try:
        await clock.run_for(3600.0)
        assert plant.time == start + 3600.0
        assert plant.energy.total_wh("pv") > 0
        await clock.run_for(0.5)  # between ticks: nothing yet
        assert plant.time == start + 3600.0
        await clock.run_for(0.5)
        assert plant.time == start + 3601.0
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_scaled_clock_runs_the_plant_600_times_faster_than_real_time():
    start = local_epoch(2025, 6, 21, 10)
    plant = make_plant(start)
    clock = ScaledClock(speed=600.0)
    clock_start, real_start = clock.time(), time.monotonic()
    task = asyncio.create_task(run_plant(plant, clock, step_s=1.0))
    await asyncio.sleep(0.5)  # real time: the test itself is the one thing on a real clock
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    real = time.monotonic() - real_start
    advanced = plant.time - start
    assert advanced == pytest.approx(clock.time() - clock_start, abs=10.0)  # within a few ticks
    assert advanced == pytest.approx(600.0 * real, rel=0.2)
    assert advanced > 200


async def test_step_must_be_positive():
    with pytest.raises(ValueError):
        await run_plant(make_plant(local_epoch(2025, 1, 1)), VirtualClock(), step_s=0)
