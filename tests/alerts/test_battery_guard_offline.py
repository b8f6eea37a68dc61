"""battery_guard on the solar-station plant over simulated hours (virtual clock, OfflineRun): a cell that
hovers at its limit is one alert episode, not one per crossing; it clears after the release hysteresis and
re-arms when the cell comes back; the protective action follows with its own hysteresis."""

import math

from solarctl.alerts.config import AlertsConfig, ReleaseConfig
from solarctl.control.config import BatteryGuardStrategyConfig
from solarctl.control.offline import OfflineRun
from solarctl.control.strategies.battery_guard import BatteryGuard
from solarctl.demo.run import load_demo_config
from solarctl.plant import Plant

HOUR = 3600.0


def hovering(plant, start, windows):
    """Module 0's first cell at 3.6 V ± 4 mV (period 5 min) inside `windows` (seconds from start), else 3.45 V."""
    cell_voltages = plant.battery.cell_voltages

    def cells(i):
        found = cell_voltages(i)
        if i == 0:
            t = plant.time - start
            inside = any(lo <= t < hi for lo, hi in windows)
            found = [3.6 + 0.004 * math.sin(2 * math.pi * t / 300.0) if inside else 3.45, *found[1:]]
        return found
    plant.battery.cell_voltages = cells


async def test_a_cell_hovering_at_the_limit_is_one_event_per_episode_and_re_arms(tmp_path):
    config = load_demo_config(tmp_path, "solar_station_site")
    config = config.model_copy(update={"alerts": AlertsConfig(release=ReleaseConfig(evaluations=3, seconds=600))})
    guard = BatteryGuardStrategyConfig(
        name="battery_guard", batteries=["bms1"], interval=30,
        actions={"cell_high": {"setting": "charge_enabled", "value": "off", "restore": "on", "release_evaluations": 24}})
    plant = Plant(config.plant, start=1750500000.0)
    start = plant.time
    hovering(plant, start, [(0, HOUR), (2 * HOUR, 3 * HOUR)])
    strategy = BatteryGuard(guard, {d.name: d.driver for d in config.device})
    async with OfflineRun(config, plant, [strategy]) as run:
        await run.run_for(HOUR)
        in_first_hour = [e for e in run.alerts if e.kind == "cell_high"]
        assert [(e.id, e.state) for e in in_first_hour] == [(1, "active")]  # ~12 crossings, one event
        episode = run.alert_manager.events(active_only=True)[0]
        assert 40 < episode.count < 80 and episode.device == "bms1" and "highest cell" in episode.message
        await run.run_for(HOUR)  # steady at 3.45 V: clears once, 10 min after it was last high
        await run.run_for(HOUR)  # hovering again: a new episode
    cell_high = [(e.id, e.state, round(e.last_seen - start)) for e in run.alerts if e.kind == "cell_high"]
    assert [c[:2] for c in cell_high] == [(1, "active"), (1, "cleared"), (2, "active")]
    cleared = next(e for e in run.alerts if e.state == "cleared")
    assert HOUR - 300 <= cleared.last_seen - start < HOUR and 600 <= cleared.cleared_at - cleared.last_seen < 700
    assert {e.kind for e in run.alerts} == {"cell_high"}  # cells low, current, temperature, data age: all fine
    # The protective action: off once per episode, back on once the cell stayed clear for 24 evaluations.
    actions = [(a.proposal.value, round(a.time - start)) for a in run.applied if a.proposal.setting == "charge_enabled"]
    assert [v for v, _ in actions] == ["off", "on", "off"] + (["on"] if len(actions) == 4 else [])
    assert HOUR < actions[1][1] < HOUR + 900 and 2 * HOUR <= actions[2][1] < 2 * HOUR + 300
    assert not any(a.refused for a in run.applied)
