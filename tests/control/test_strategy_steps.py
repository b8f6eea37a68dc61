"""Strategies as pure steps: soc_band's decide() over hand-made views, no hub, no writer, no clock."""

from types import MappingProxyType, SimpleNamespace

import pytest

from solarctl.control.config import SocBandStrategyConfig
from solarctl.control.strategies import make_strategies
from solarctl.alerts.model import Condition
from solarctl.control.strategies.base import Proposal, in_place, split
from solarctl.control.strategies.view import Latest, View

NOW = 1_750_000_000.0
INTERVAL = 30.0  # soc_band acts on a SoC at most 3 x interval old


XW = SimpleNamespace(name="xw", driver="conext_xw", enabled=True)  # the [[device]] table soc_band switches


def soc_band(**overrides):
    config = SocBandStrategyConfig(name="soc_band", inverter="xw", battery="bms", soc_high=80, soc_low=20,
                                   interval=INTERVAL, **overrides)
    [strategy] = make_strategies([config], [XW])
    return strategy


def shave_metric(device, setting):
    return "inverter_load_shave_status" if (device, setting) == ("xw", "load_shave") else None


def view(*, soc=None, age=0.0, failed=False, metric="soc", shave=None, xw_failed=False):
    latest = {}
    if soc is not None:
        latest["bms"] = Latest(MappingProxyType({metric: soc}), NOW - age, failed)
    if shave is not None:
        latest["xw"] = Latest(MappingProxyType({"inverter_load_shave_status": shave}), NOW - 1, xw_failed)
    return View(NOW, latest, shave_metric)


def decide(strategy, v, now=NOW):
    """The proposals of one step; every step also reports its battery_data_lost condition, active or not (the
    alert manager clears an alert only after inactive reports over its release hysteresis)."""
    proposals, conditions = split(strategy.decide(v, now))
    assert [c.kind for c in conditions] == ["battery_data_lost"]
    return proposals


def test_above_the_band_switches_on_and_below_switches_off():
    strategy = soc_band()
    assert decide(strategy, view(soc=85)) == [Proposal("xw", "load_shave", "Enable", "SoC 85 %")]
    assert decide(strategy, view(soc=80)) == [Proposal("xw", "load_shave", "Enable", "SoC 80 %")]  # inclusive, as SCP
    assert decide(strategy, view(soc=20)) == [Proposal("xw", "load_shave", "Disable", "SoC 20 %")]
    assert decide(strategy, view(soc=5.5)) == [Proposal("xw", "load_shave", "Disable", "SoC 5.5 %")]


@pytest.mark.parametrize("soc", [20.1, 50, 79.9])
def test_inside_the_band_it_holds(soc):
    assert decide(soc_band(), view(soc=soc)) == []


def test_a_ComBox_battery_soc_counts_too_and_the_setting_is_configurable():
    strategy = soc_band(setting="grid_support")
    assert decide(strategy, view(soc=90, metric="battery_soc")) == [Proposal("xw", "grid_support", "Enable", "SoC 90 %")]


def test_the_switch_is_a_capability_in_the_inverters_own_values():
    """On a PV1800 the capability grid_charging is charger_source_priority, on "Solar and Utility", off "Only Solar"."""
    config = SocBandStrategyConfig(name="soc_band", inverter="inv", battery="bms", soc_high=80, soc_low=20,
                                   interval=INTERVAL, setting="grid_charging")
    [strategy] = make_strategies([config], [SimpleNamespace(name="inv", driver="must_pv1800", enabled=True)])
    assert [(p.setting, p.value) for p in decide(strategy, view(soc=90))] == [("charger_source_priority", "Solar and Utility")]
    assert [(p.setting, p.value) for p in decide(strategy, view(soc=10))] == [("charger_source_priority", "Only Solar")]
    with pytest.raises(ValueError, match="switches 'load_shave', which inv \\(must_pv1800\\) does not have as an on/off "
                                         "capability; set `setting` to one it has: grid_connection, grid_charging "
                                         "\\(charger_source_priority\\), battery_export \\(discharge_to_grid\\)"):
        make_strategies([config.model_copy(update={"setting": "load_shave"})],
                        [SimpleNamespace(name="inv", driver="must_pv1800", enabled=True)])


def test_never_acts_on_a_stale_failed_missing_or_odd_reading():
    strategy = soc_band()
    assert decide(strategy, view(soc=95, age=3 * INTERVAL)) != []  # exactly 3 x interval: still fresh
    assert decide(strategy, view(soc=95, age=3 * INTERVAL + 0.1)) == []  # older: stale
    assert decide(strategy, view(soc=95, failed=True)) == []  # the latest poll failed
    assert decide(strategy, view()) == []  # never polled
    assert decide(strategy, view(soc=95, metric="voltage")) == []  # no SoC metric
    assert decide(strategy, view(soc="95")) == [] and decide(strategy, view(soc=True)) == []


def test_start_and_stop_proposals_come_from_the_config():
    strategy = soc_band(on_start={"low_battery_cut_out": 46.0}, on_stop={"low_battery_cut_out": 46.5, "load_shave": "Disable"})
    assert strategy.start_proposals() == [Proposal("xw", "low_battery_cut_out", 46.0, "start")]
    assert strategy.stop_proposals() == [Proposal("xw", "low_battery_cut_out", 46.5, "stop"),
                                         Proposal("xw", "load_shave", "Disable", "stop")]
    assert soc_band().start_proposals() == [] and soc_band().stop_proposals() == []
    assert strategy.interval == INTERVAL and strategy.name == "soc_band"


def test_the_view_shows_a_setting_in_place_only_from_a_successful_poll():
    enable = Proposal("xw", "load_shave", "Enable", "SoC 85 %")
    assert in_place(view(shave="Enable"), enable)
    assert not in_place(view(shave="Disable"), enable)
    assert not in_place(view(shave="Enable", xw_failed=True), enable)  # stale: ask the device
    assert not in_place(view(), enable)  # never read
    assert not in_place(view(shave="Enable"), enable._replace(setting="grid_support"))  # not a setting it reports


def test_view_ages():
    v = view(soc=50, age=12.5)
    assert v.age("bms") == 12.5 and not v.failed("bms") and v.fresh("bms", 12.5) and not v.fresh("bms", 12.4)
    assert v.age("nobody") is None and not v.fresh("nobody", 1e9) and v.value("nobody", "soc") is None
    assert view(soc=50, failed=True).failed("bms")


def test_battery_data_lost_longer_than_the_limit_proposes_the_safe_settings_until_it_returns():
    strategy = soc_band(battery_lost_after=60.0, on_start={"low_battery_cut_out": 46.0},
                        on_stop={"low_battery_cut_out": 46.5, "load_shave": "Disable"})
    assert decide(strategy, view(soc=50, age=60.0)) == []  # held, not yet lost
    lost = strategy.decide(view(soc=85, age=60.5, failed=True), NOW)
    assert [(p.setting, p.value, p.restore) for p in lost[:2]] == [("low_battery_cut_out", 46.5, True), ("load_shave", "Disable", True)]
    assert lost[2] == Condition("battery_data_lost", "bms", True, "critical",
                                "no fresh data from bms for 60 s: xw set to its safe (on_stop) settings")
    back = strategy.decide(view(soc=85), NOW)
    assert [(p.setting, p.value) for p in back if isinstance(p, Proposal)] == [("low_battery_cut_out", 46.0), ("load_shave", "Enable")]
    assert [c.active for c in back if isinstance(c, Condition)] == [False]
    cleared = [c for c in back if isinstance(c, Condition)][0]
    assert strategy.decide(view(soc=85), NOW) == [cleared, Proposal("xw", "load_shave", "Enable", "SoC 85 %")]  # still reported clear


def test_never_polled_counts_as_lost_from_the_first_step():
    strategy = soc_band(battery_lost_after=60.0, on_stop={"load_shave": "Disable"})
    assert decide(strategy, view()) == []
    assert [p.value for p in strategy.decide(view(), NOW + 61) if isinstance(p, Proposal)] == ["Disable"]


def test_min_hold_keeps_a_switch_before_the_opposite_one_and_survives_a_restart():
    strategy = soc_band(min_hold=600.0)
    assert decide(strategy, view(soc=85))[0].value == "Enable"
    assert decide(strategy, view(soc=10), NOW + 599) == []  # too soon after switching on
    restarted = soc_band(min_hold=600.0)
    restarted.load_state(strategy.state())
    assert decide(restarted, view(soc=10), NOW + 599) == []
    assert decide(restarted, view(soc=10), NOW + 600)[0].value == "Disable"
