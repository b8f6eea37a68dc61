"""Keeping a plant in step with a clock: real time, any speed (ScaledClock) or virtual (tests)."""

from __future__ import annotations

from solarctl.clock import Clock
from solarctl.plant.plant import Plant


async def run_plant(plant: Plant, clock: Clock, step_s: float = 1.0) -> None:
    """Advance `plant` by exactly as much clock time as passes, about every `step_s`, until cancelled.

    The plant keeps its own epoch (a demo may run a June day in December); only the elapsed clock
    time is applied, measured on the clock rather than assumed, so slow steps never lose time.
    """
    if step_s <= 0:
        raise ValueError("step_s must be positive")
    clock_start, plant_start = clock.time(), plant.time
    while True:
        await clock.sleep(step_s)
        # Aim at start + elapsed rather than adding up increments, so rounding never accumulates.
        target = plant_start + (clock.time() - clock_start)
        if target > plant.time:
            plant.step(target - plant.time)
