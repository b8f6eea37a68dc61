"""battery_guard's decide() over hand-made views: batteries found by catalogue role (a JK pack's cell list, a
Pylontech stack's per-module cells; not the inverter), the highest cell tested against the high limit, old data
reported alone, and the protective action proposed once per episode and restored after its release (also one a
previous run left in place)."""

from types import MappingProxyType

from solarctl.alerts.model import Condition
from solarctl.control.config import BatteryGuardStrategyConfig
from solarctl.control.strategies.base import Proposal, split
from solarctl.control.strategies.battery_guard import BatteryGuard
from solarctl.control.strategies.view import Latest, View

NOW = 1_750_000_000.0
DRIVERS = {"jk": "jk_pb", "stack": "pylontech_console", "inverter": "must_pv1800"}


def guard(**config):
    return BatteryGuard(BatteryGuardStrategyConfig(name="battery_guard", **config), DRIVERS)


def view(jk=None, stack=None, age=0.0, charge="on"):
    latest = {"inverter": Latest(MappingProxyType({"battery_current": 80.0}), NOW)}  # not a battery: never checked
    if jk is not None:
        latest["jk"] = Latest(MappingProxyType({**jk, "charge_enabled": charge}), NOW - age)
    if stack is not None:
        latest["stack"] = Latest(MappingProxyType(stack), NOW - age)
    return View(NOW, latest, lambda device, setting: setting if device == "jk" else None)


def active(steps) -> set[tuple[str, str]]:
    return {(c.kind, c.device) for c in split(steps)[1] if c.active}


def test_batteries_by_role_and_each_check():
    strategy = guard()
    assert set(strategy.batteries) == {"jk", "stack"}
    cells = [3.30] * 15 + [3.65]  # only the highest cell is above 3.6 V: the old script tested the lowest here
    modules = [{"index": 1, "cell_voltages": [3.3] * 15}, {"index": 2, "cell_voltages": [3.3] * 14 + [2.65]}]
    steps = strategy.decide(view({"cell_voltages": cells, "current": -55.0, "temperature": 20.0},
                                 {"modules": modules, "current": 10.0, "temperature": 55.0}), NOW)
    assert active(steps) == {("cell_high", "jk"), ("current_high", "jk"), ("cell_low", "stack"), ("temperature_high", "stack")}
    conditions = {(c.kind, c.device): c for c in split(steps)[1]}
    assert conditions[("cell_high", "jk")].values == {"cell_voltage_max": 3.65}
    assert "lowest cell 2.650 V is below 2.7 V" in conditions[("cell_low", "stack")].message
    assert not split(steps)[0]  # no actions configured


def test_old_data_is_reported_alone():
    strategy = guard(batteries=["jk"], data_max_age_s=600)
    steps = strategy.decide(view({"cell_voltages": [3.7] * 16}, age=601), NOW)
    assert [(c.kind, c.device, c.active) for c in split(steps)[1]] == [("bms_data_old", "jk", True)]


def test_the_protective_action_once_per_episode_and_restored_after_its_release():
    strategy = guard(batteries=["jk"], actions={"cell_high": {"setting": "charge_enabled", "value": "off", "restore": "on",
                                                              "release_evaluations": 2}})
    high, normal = {"cell_voltages": [3.65] * 16}, {"cell_voltages": [3.4] * 16}
    proposals = [split(strategy.decide(view(cells, charge=shown), NOW))[0]
                 for cells, shown in ((high, "on"), (high, "off"), (high, "on"), (normal, "off"), (normal, "off"))]
    off = Proposal("jk", "charge_enabled", "off", proposals[0][0].reason)
    assert proposals[:3] == [[off], [], [off._replace(reason=proposals[2][0].reason)]]  # again only when a poll shows it undone
    assert proposals[3] == [] and [(p.setting, p.value) for p in proposals[4]] == [("charge_enabled", "on")]
    assert isinstance(strategy.decide(view(normal), NOW)[0], Condition)
    # After a restart: the protective value found in place while the cells are fine is released like its own.
    restarted = guard(batteries=["jk"], actions={"cell_high": {"setting": "charge_enabled", "value": "off", "restore": "on",
                                                               "release_evaluations": 2}})
    proposed = [split(restarted.decide(view(normal, charge="off"), NOW))[0] for _ in range(3)]
    assert [[(p.setting, p.value) for p in found] for found in proposed] == [[], [("charge_enabled", "on")], []]


def test_an_action_named_by_capability_writes_what_each_device_calls_it():
    """`capability = "charge_switch"`, value false: the JK's charge_enabled = "off"; the Pylontech stack, which has no
    such switch, raises its condition without a proposal (the config check made sure some guarded battery has it)."""
    strategy = guard(actions={"cell_high": {"capability": "charge_switch", "value": False, "restore": True,
                                            "release_evaluations": 1}})
    high = {"cell_voltages": [3.65] * 16}
    stack_high = {"modules": [{"index": 1, "cell_voltages": [3.65] * 15}]}
    proposals = split(strategy.decide(view(high, stack=stack_high, charge="on"), NOW))[0]
    assert [(p.device, p.setting, p.value) for p in proposals] == [("jk", "charge_enabled", "off")]
    assert active(strategy.decide(view(high, stack=stack_high, charge="off"), NOW)) >= {("cell_high", "jk"), ("cell_high", "stack")}
    normal = {"cell_voltages": [3.4] * 16}
    restored = split(strategy.decide(view(normal, stack={"modules": []}, charge="off"), NOW))[0]
    assert [(p.device, p.setting, p.value) for p in restored] == [("jk", "charge_enabled", "on")]


def test_an_action_no_guarded_device_can_take_is_one_sentence():
    import pytest

    with pytest.raises(ValueError, match="battery_guard's cell_low action needs the capability 'discharge_switch', which none "
                                         r"of the devices it would protect has: stack \(pylontech_console\)"):
        guard(batteries=["stack"], actions={"cell_low": {"capability": "discharge_switch", "value": False, "restore": True}})
    with pytest.raises(ValueError, match=r"actions.cell_low.value for inverter's low_battery_cut_out: 52 V is outside "
                                         r"what it takes \(40 to 48 V\)"):
        guard(actions={"cell_low": {"device": "inverter", "capability": "low_battery_cut_out", "value": 52.0, "restore": 44.0}})
    with pytest.raises(ValueError, match="no capability is called 'discharge'"):
        guard(actions={"cell_low": {"capability": "discharge", "value": False, "restore": True}})
    with pytest.raises(ValueError, match="names either a capability or a setting"):
        guard(actions={"cell_low": {"capability": "discharge_switch", "setting": "discharge_enabled", "value": False, "restore": True}})
