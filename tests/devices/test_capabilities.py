"""Every capability a driver declares is carried by a writable setting of its devices: the setting exists, a
Switch's and a mode's values are values it takes, a Level's unit is the setting's and its range lies within the
setting's (what the SafeWriter would refuse, a strategy must never be told it can ask for)."""

import pytest

from solarctl.devices import registry
from solarctl.devices.capabilities import Capabilities, Level, Modes, Switch
from solarctl.devices.description import DriverDescription
from solarctl.registers import WriteRejected
from solarctl.registers.codec import check_write

DECLARING = {name: d for name, d in registry.DRIVERS.items() if d.capabilities.declared()}


def _device(description: DriverDescription):
    where = {"host": "127.0.0.1"} if description.wire == "tcp_gateway" else {"port": "/dev/ttyUSB0"}
    return description.device_type(description.config.model_validate({"name": "x", "driver": description.name, **where}))


def test_the_inverters_and_the_bms_declare_what_the_strategies_drive():
    assert set(DECLARING) >= {"conext_xw", "must_pv1800", "jk_pb"}
    assert registry.capabilities("conext_xw").grid_support == Switch("grid_support", "Enable", "Disable")
    assert registry.capabilities("must_pv1800").grid_charge_current == Level("grid_charge_current_limit", "A", 1.0, 80.0)
    assert registry.capabilities("jk_pb").discharge_switch == Switch("discharge_enabled", "on", "off")
    assert registry.capabilities("pylontech_console") == Capabilities()  # reads only
    assert registry.capabilities("no_such_driver") == Capabilities()


@pytest.mark.parametrize("driver", sorted(DECLARING))
def test_each_capability_is_a_writable_setting_that_takes_its_values(driver):
    description = DECLARING[driver]
    device = _device(description)
    for name, capability in description.capabilities.declared().items():
        for setting, values in capability.values.items():
            reg = device.setting(setting)
            assert reg is not None and reg.writable, f"{driver}.{name}: {setting!r} is not a writable setting"
            for value in values:
                check_write(reg, value)  # raises WriteRejected if the device would refuse it
        if isinstance(capability, Level):
            reg = device.setting(capability.setting)
            assert reg.unit == capability.unit, f"{driver}.{name}: unit {capability.unit}, the setting's {reg.unit}"


def test_a_capability_outside_its_setting_is_caught():
    device = _device(registry.DRIVERS["must_pv1800"])
    with pytest.raises(WriteRejected):
        check_write(device.setting("grid_charge_current_limit"), Level("grid_charge_current_limit", "A", 1.0, 90.0).high)
    with pytest.raises(WriteRejected):
        check_write(device.setting("energy_use_mode"), Modes({"battery_first": {"energy_use_mode": "SBUX"}}).values["energy_use_mode"][0])


def test_asking_for_a_capability_a_device_lacks_is_one_sentence():
    drivers = {"xw": "conext_xw", "inv": "must_pv1800"}
    assert registry.capability(drivers, "inv", "battery_export", "forecast") == Switch("discharge_to_grid", "on", "off")
    with pytest.raises(ValueError) as err:
        registry.capability(drivers, "xw", "grid_charging", "strategy 'forecast'")
    assert str(err.value) == ("strategy 'forecast' needs the capability 'grid_charging', which xw (conext_xw) does not "
                              "have (its capabilities: grid_support, load_shave, low_battery_cut_out)")
    with pytest.raises(ValueError, match="no capability is called 'grid_charge'; capabilities: grid_connection"):
        Capabilities().named("grid_charge")


def test_declarations_that_make_no_sense_fail_at_import():
    with pytest.raises(ValueError, match="range 80..1 A is empty"):
        Level("grid_charge_current_limit", "A", 80.0, 1.0)
    with pytest.raises(ValueError, match="output_priority modes utility_first are none of grid_first"):
        Capabilities(output_priority=Modes({"utility_first": {"mode": 0}}))


def test_a_level_keeps_to_its_range_and_its_choices():
    limit = Level("grid_charge_current_limit", "A", 1.0, 80.0)
    assert [limit.settings(a)["grid_charge_current_limit"] for a in (0.0, 12.0, 95.0)] == [1.0, 12.0, 80.0]
    steps = Level("max_utility_charge_current", "A", 2.0, 30.0, choices=(2.0, 10.0, 20.0, 30.0))
    assert [steps.settings(a)["max_utility_charge_current"] for a in (0.0, 2.0, 19.9, 20.0, 95.0)] == [2.0, 2.0, 10.0, 20.0, 30.0]
    assert steps.values == {"max_utility_charge_current": (2.0, 10.0, 20.0, 30.0)}
    with pytest.raises(ValueError, match="choices must run from low"):
        Level("max_utility_charge_current", "A", 2.0, 30.0, choices=(10.0, 30.0))
