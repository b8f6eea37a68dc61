"""[plant] config: complete defaults for the SCP site, strict keys, clear errors; validated live settings."""

from __future__ import annotations

import pydantic
import pytest

from plant_helpers import local_epoch
from solarctl.config import ConfigError, parse_config
from solarctl.plant import Plant, PlantConfig, PlantSettings


def test_defaults_are_the_scp_site():
    c = PlantConfig()
    assert (c.latitude, c.longitude, c.timezone) == (48.2, 16.4, "Europe/Vienna")
    assert (c.weather, c.load_profile) == ("clear_sky", "builtin")
    assert c.inverter.rated_w == 6800 and c.inverter.efficiency == 0.95 and c.inverter.idle_w == 30
    assert [(a.name, a.azimuth_deg, a.tilt_deg, a.peak_w) for a in c.pv_arrays] == [
        ("west", 270, 30, 3200), ("east", 90, 30, 3200)]
    assert all(a.mppt_efficiency == 0.97 and 100 <= a.mpp_voltage_v <= 130 for a in c.pv_arrays)
    b = c.battery
    assert (b.module_count, b.cells_in_series, b.module_capacity_ah) == (6, 15, 50)
    assert (c.grid.voltage_v, c.grid.frequency_hz) == (230, 50)
    assert c.load.annual_kwh == 4000
    s = c.settings
    assert (s.load_shave, s.load_shave_amps, s.grid_support) == (False, 8, False)
    assert (s.sell_enabled, s.max_sell_amps, s.max_charge_current_a) == (False, 20, 140)
    assert (s.lbco_voltage_v, s.lbco_delay_s, s.lbco_hysteresis_v) == (45.5, 5, 2.0)
    assert (s.grid_connected, s.discharge_to_grid, s.grid_charge, s.grid_charge_current_a) == (True, False, False, 10)


def test_plant_table_in_a_config_file():
    config = parse_config("""
[plant]
seed = 3
weather = "clear_sky"
[plant.battery]
module_count = 4
[[plant.pv_arrays]]
name = "roof"
azimuth_deg = 180
[plant.settings]
grid_support = true
""")
    assert config.plant.battery.module_count == 4
    assert [a.name for a in config.plant.pv_arrays] == ["roof"]
    assert config.plant.settings.grid_support


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[plant.battery]\nmodule_cout = 4", "unknown key 'module_cout'"),
        ("[plant.settings]\nload_shave_amp = 4", "did you mean 'load_shave_amps'"),
        ("[plant]\nweather = 'sunny'", "plant.weather"),
        ("[plant]\ntimezone = 'Vienna'", "unknown timezone 'Vienna'"),
        ("[[plant.pv_arrays]]\nname = 'a'\n[[plant.pv_arrays]]\nname = 'a'", "two pv_arrays are named 'a'"),
        ("[plant.settings]\nmax_sell_amps = -1", "plant.settings.max_sell_amps"),
    ],
)
def test_mistakes_are_named(toml, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(toml)


def test_settings_are_live_validated_and_per_plant():
    config = PlantConfig()
    a, b = Plant(config, local_epoch(2025, 1, 1)), Plant(config, local_epoch(2025, 1, 1))
    a.settings.grid_support = True
    assert not b.settings.grid_support and not config.settings.grid_support
    with pytest.raises(pydantic.ValidationError):
        a.settings.load_shave_amps = -3
    with pytest.raises(pydantic.ValidationError):
        a.settings.load_shave_amp = 3  # a typo in a simulator must not pass silently
    assert isinstance(a.settings, PlantSettings)
