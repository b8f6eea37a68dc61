"""greedy_offgrid: the old batmon counter rules (notes-must-jk §4.5), decide() over hand-made views, its counter
kept across a restart by the runner, and a simulated day on the solar-station (PV1800) and SCP (Conext XW) plants."""

import datetime as dt
import json
import re
import zoneinfo
from types import MappingProxyType

import pytest
from pydantic import ValidationError

from solarctl.alerts.model import Condition
from solarctl.clock import VirtualClock
from solarctl.config import ConfigError, validate_config
from solarctl.control.config import GreedyOffgridStrategyConfig
from solarctl.control.offline import OfflineRun
from solarctl.control.runner import StrategyRunner
from solarctl.control.state_file import StateFile
from solarctl.control.strategies import make_strategies
from solarctl.control.strategies.base import Proposal, split
from solarctl.control.strategies.greedy_offgrid import OFF_GRID, ON_GRID, count_step
from solarctl.control.strategies.view import Latest, View
from solarctl.demo.run import load_demo_config
from solarctl.devices.registry import make_device
from solarctl.hub import StateHub
from solarctl.plant import Plant
from solarctl.plant.weather import Conditions
from solarctl.read_model import ReadModel
from solarctl.sample import Sample

NOW = 1_750_000_000.0
DRIVERS = {"inverter": "must_pv1800", "bms1": "jk_pb", "bms2": "jk_pb"}


class Device:  # a [[device]] table as make_strategies reads it
    def __init__(self, name, driver):
        self.name, self.driver, self.enabled = name, driver, True


def greedy(drivers=DRIVERS, **overrides):
    config = GreedyOffgridStrategyConfig(name="greedy_offgrid", **({"inverter": "inverter"} | overrides))
    [strategy] = make_strategies([config], [Device(n, d) for n, d in drivers.items()])
    return strategy


def setting_metric(device, setting):
    return {("inverter", "grid_connection"): "grid_connection", ("xw", "grid_support"): "inverter_grid_support_status"}.get((device, setting))


def view(*, cells=(3.30, 3.30), pv=0.0, load=500.0, mode="on-grid", age=0.0, now=NOW):
    latest = {f"bms{i + 1}": Latest(MappingProxyType({"cell_voltage_min": v, "soc": 50}), now - age) for i, v in enumerate(cells)}
    latest["inverter"] = Latest(MappingProxyType({"pv_power": pv, "load_power": load, "grid_connection": mode}), now)
    return View(now, latest, setting_metric)


# (counter before, inverter off-grid, discharged, charged) -> (counter after, switch): batmon's rules, limit 5.
COUNTER_RULES = [
    ((1, False, False, True), (-1, None)),  # default counter: towards on-grid decays to 0, then one step towards off-grid
    ((-3, False, False, True), (-4, None)),
    ((-4, False, False, True), (-5, OFF_GRID)),  # fires on the run that reaches the limit ...
    ((-5, False, False, True), (-5, None)),  # ... and only then
    ((-5, False, False, False), (-4, None)),  # a run that does not agree steps back towards 0
    ((-5, True, False, True), (-4, None)),  # "charged" counts only while on-grid
    ((2, False, False, True), (0, None)),  # both halves run against the same previous value
    ((0, True, True, False), (1, None)),
    ((4, True, True, False), (5, ON_GRID)),
    ((5, True, True, False), (5, None)),
    ((5, False, True, False), (4, None)),  # "discharged" counts only while off-grid
    ((3, True, False, False), (2, None)),
    ((-2, True, True, False), (0, None)),  # +1 towards on-grid, then +1 back towards 0
    ((0, False, False, False), (0, None)),
]


@pytest.mark.parametrize("before, after", COUNTER_RULES)
def test_counter_rules_are_batmons(before, after):
    counter, off_grid, discharged, charged = before
    assert count_step(counter, 5, off_grid, discharged, charged) == after


def test_a_switch_needs_count_agreeing_runs_in_a_row_and_fires_once():
    counter, fired = 1, []  # batmon's default when its counter file is missing
    for run, charged in enumerate([True, True, True, False, True, True, True, True, True, True, True], 1):
        counter, switch = count_step(counter, 5, False, False, charged)
        fired += [run] if switch else []
    # A run that disagrees steps back by one only (-3 -> -2, as batmon): three more agreeing runs reach -5.
    assert fired == [7]
    assert count_step(-2, 3, False, False, True) == (-3, OFF_GRID)  # the limit is the configured count


def test_decide_counts_five_evaluations_then_proposes_off_grid_once():
    strategy = greedy()
    sunny = view(cells=(3.33, 3.34), pv=900, load=800)  # needs max(640, 0.97 x 800 = 776 W)
    found = [split(strategy.decide(sunny, NOW + i * 300))[0] for i in range(7)]
    assert found[:4] == [[]] * 4 and found[5:] == [[], []]
    [proposal] = found[4]
    assert (proposal.device, proposal.setting, proposal.value) == ("inverter", "grid_connection", "off-grid")
    assert "lowest 3.33 V" in proposal.reason and "needed 776 W" in proposal.reason


@pytest.mark.parametrize("cells, pv, load, charged", [
    ((3.32, 3.40), 776, 800, True),  # start voltage and 0.97 x load, both inclusive
    ((3.32, 3.40), 775, 800, False),  # not enough charge power
    ((3.32, 3.40), 639, 100, False),  # below the floor
    ((3.31, 3.40), 5000, 100, False),  # the lowest cell decides
    ((3.50, 3.55), 0, 800, True),  # full: whatever the charge power
])
def test_what_counts_as_charged(cells, pv, load, charged):
    strategy = greedy(count=1)
    proposals, _ = split(strategy.decide(view(cells=cells, pv=pv, load=load), NOW))
    assert bool(proposals) == charged


def test_on_grid_at_the_low_voltage_with_the_grid_charge_cap():
    strategy = greedy(count=3, grid_charge_current_a=2.0)  # from the default counter 1: two runs to +3
    low = view(cells=(3.21, 3.30), mode="off-grid")
    assert split(strategy.decide(low, NOW))[0] == []
    proposals, _ = split(strategy.decide(low, NOW + 300))
    assert [(p.setting, p.value) for p in proposals] == [("grid_connection", "on-grid"), ("grid_charge_current_limit", 2.0)]
    assert split(greedy(count=1).decide(view(cells=(3.22, 3.30), mode="off-grid"), NOW))[0] == []


def test_an_on_grid_switch_that_did_not_take_is_proposed_again_but_off_grid_is_not():
    strategy = greedy(count=2)
    low = view(cells=(3.20, 3.30), mode="off-grid")
    assert [len(split(strategy.decide(low, NOW + i))[0]) for i in range(4)] == [1, 1, 1, 1]  # 1 -> 2 fires, then held at 2
    assert split(strategy.decide(view(cells=(3.20, 3.30), mode="on-grid"), NOW))[0] == []  # it took: done
    charged = greedy(count=1)
    sunny = view(cells=(3.40, 3.40), pv=2000)
    assert len(split(charged.decide(sunny, NOW))[0]) == 1 and split(charged.decide(sunny, NOW + 1))[0] == []


def test_soc_variant_and_the_xw():
    drivers = {"xw": "conext_xw", "combox": "conext_combox", "mppt": "conext_mppt"}
    strategy = greedy(drivers, inverter="xw", measure="soc", count=1)
    assert strategy.batteries == ["combox"] and strategy.chargers == [("mppt", "dc_output_power")]
    assert (strategy.config.start, strategy.config.full, strategy.config.low) == (70.0, 95.0, 30.0)
    latest = {"combox": Latest(MappingProxyType({"battery_soc": 75}), NOW),
              "mppt": Latest(MappingProxyType({"dc_output_power": 1000.0}), NOW),
              "xw": Latest(MappingProxyType({"load_power": 400.0, "inverter_grid_support_status": "Disable"}), NOW)}
    proposals, _ = split(strategy.decide(View(NOW, latest, setting_metric), NOW))
    assert proposals == [Proposal("xw", "grid_support", "Enable", proposals[0].reason)]
    assert strategy.stop_proposals() == [Proposal("xw", "grid_support", "Disable", "stop")]


def test_stale_battery_data_pauses_the_counter_and_says_so():
    strategy = greedy(count=1)
    found = strategy.decide(view(cells=(3.4, 3.4), pv=2000, age=601), NOW)
    assert split(found)[0] == [] and strategy.counter == 1
    assert Condition("battery_data_lost", "bms1", True, "warning", "no fresh data from bms1 for greedy_offgrid: switching paused") in found
    found = strategy.decide(view(cells=(3.4, 3.4), pv=2000, age=600), NOW)
    assert split(found)[0] != [] and not any(c.active for c in split(found)[1])


def test_config_errors_are_sentences(tmp_path):
    with pytest.raises(ValidationError, match="low < start <= full"):
        GreedyOffgridStrategyConfig(name="greedy_offgrid", inverter="x", low=3.4)
    devices = [{"name": "inverter", "driver": "must_pv1800", "port": "/dev/ttyINV0"},
               {"name": "bms1", "driver": "jk_pb", "port": "/dev/ttyBMS0"},
               {"name": "xw", "driver": "conext_xw", "host": "127.0.0.1"}]

    def config(**strategy):
        return validate_config({"general": {"data_dir": str(tmp_path)}, "device": devices,
                                "strategy": [{"name": "greedy_offgrid", "inverter": "inverter", **strategy}]})

    [loaded] = config(grid_charge_current_a=2.0, batteries=["bms1"]).strategy
    assert loaded.references == ("inverter", "bms1") and loaded.start == 3.32
    for strategy, sentence in [
        ({"inverter": "bms1"}, "greedy_offgrid needs an inverter with the capability grid_connection or grid_support or "
                               "output_priority, which bms1 (jk_pb) does not have; give its off_grid and on_grid"),
        ({"inverter": "xw", "grid_charge_current_a": 2.0}, "greedy_offgrid's grid_charge_current_a needs the capability "
                                                           "'grid_charge_current', which xw (conext_xw) does not have"),
        ({"grid_charge_current_a": 90.0}, "grid_charge_current_a = 90 is outside what inverter (must_pv1800) takes, 1 to 80 A"),
        ({"batteries": ["bms9"]}, "refers to device 'bms9', which is not configured"),
        ({"chargers": ["mppt"]}, "must be written as device.metric"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(sentence)):
            config(**strategy)
    assert config(inverter="bms1", off_grid={"discharge_enabled": "off"}, on_grid={"discharge_enabled": "on"}).strategy


async def test_the_counter_survives_a_restart(tmp_path):
    clock = VirtualClock(start=NOW)
    hub = StateHub()
    state = StateFile(tmp_path / "strategies" / "greedy_offgrid.json")

    config = load_demo_config(tmp_path, "solar_station_site")
    devices = {d.name: make_device(d) for d in config.device}  # the runner reads the mode through the drivers

    def runner():
        [strategy] = make_strategies([GreedyOffgridStrategyConfig(name="greedy_offgrid", inverter="inverter")], config.device)
        model = ReadModel.of(hub, config.device, clock)
        return StrategyRunner(strategy, model, devices, writer=None, clock=clock, state_file=state)  # no proposal: no writer needed

    hub.publish(Sample("inverter", NOW, {"pv_power": 900.0, "load_power": 500.0, "grid_connection": "on-grid"}))
    for bms in ("bms1", "bms2", "bms3", "bms4"):
        hub.publish(Sample(bms, NOW, {"cell_voltage_min": 3.33}))
    first = runner()
    for _ in range(3):
        await first.step()
    assert json.loads(state.path.read_text()) == {"counter": -3, "mode": None}
    second = runner()  # a restart: the counter comes back from the data dir
    assert second.strategy.counter == -3
    await second.step()
    assert second.strategy.counter == -4 and not list(state.path.parent.glob("*.tmp"))


class CloudyNoon:
    """Clear sky, but between 11:00 and 14:00 a cloud passes every other 10 minutes (PV at 10 %)."""

    def __init__(self, weather, zone):
        self.weather, self.zone = weather, zone

    def conditions(self, t):
        sky = self.weather.conditions(t)
        local = dt.datetime.fromtimestamp(t, self.zone)
        if 11 <= local.hour < 14 and local.minute // 10 % 2:
            return Conditions(tuple(p * 0.1 for p in sky.poa_w_m2), sky.air_temp_c)
        return sky


@pytest.mark.parametrize("site, inverter, battery, load_kwh, setting", [
    ("solar_station_site", "inverter", {"module_capacity_ah": 25.0}, None, "grid_connection"),
    ("scp_site", "xw", {"module_capacity_ah": 35.0, "module_count": 2}, 6500.0, "grid_support"),
])
async def test_a_sunny_day_with_a_cloudy_noon_switches_off_grid_once_and_on_grid_once(tmp_path, site, inverter, battery, load_kwh, setting):
    config = load_demo_config(tmp_path, site)
    plant_config = config.plant.model_copy(update={
        "battery": config.plant.battery.model_copy(update={"initial_soc_pct": 40.0, **battery}),
        **({"load": config.plant.load.model_copy(update={"annual_kwh": load_kwh})} if load_kwh else {}),
    })
    zone = zoneinfo.ZoneInfo(plant_config.timezone)
    plant = Plant(plant_config, start=dt.datetime(2025, 6, 21, 4, tzinfo=zone).timestamp())
    plant.weather = CloudyNoon(plant.weather, zone)
    [strategy] = make_strategies([GreedyOffgridStrategyConfig(name="greedy_offgrid", inverter=inverter)], config.device)
    async with OfflineRun(config, plant, [strategy]) as run:
        await run.run_for(24 * 3600)
    switches = [(dt.datetime.fromtimestamp(a.time, zone).hour, a.proposal.value) for a in run.applied
                if a.proposal.reason != "stop"]
    off, on = strategy.settings[OFF_GRID][setting], strategy.settings[ON_GRID][setting]
    assert [value for _, value in switches] == [off, on], switches
    assert 5 <= switches[0][0] < 11 and (switches[1][0] >= 20 or switches[1][0] < 4), switches  # morning, night
    assert not any(a.refused for a in run.applied)


def test_battery_data_lost_longer_than_the_limit_goes_back_on_grid_as_a_restore():
    strategy = greedy(count=1, battery_lost_after=900.0)
    assert split(strategy.decide(view(cells=(3.4, 3.4), pv=2000, age=900, mode="off-grid"), NOW))[0] == []
    proposals, conditions = split(strategy.decide(view(cells=(3.4, 3.4), pv=2000, age=901, mode="off-grid"), NOW))
    assert [(p.setting, p.value, p.restore) for p in proposals] == [("grid_connection", "on-grid", True)]
    assert all(c.active and c.kind == "battery_data_lost" for c in conditions)
    kept = greedy(count=1, on_grid_at_stop=False)  # a user who wants no exit settings gets none
    assert split(kept.decide(view(age=5000, mode="off-grid"), NOW))[0] == [] and kept.stop_proposals() == []
