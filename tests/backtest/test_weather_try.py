"""`--weather try:N`: the DWD test-reference years shipped in demandlib, replayed through pvlib."""

from __future__ import annotations

import datetime as dt

import pytest

from solarctl.plant.config import ClimateConfig, PlantConfig
from solarctl.plant.weather import PvlibWeather


def test_a_dwd_test_reference_year_gives_a_real_year_of_sun_at_the_site():
    pytest.importorskip("pvlib")
    config = PlantConfig(weather="pvlib", climate=ClimateConfig(tmy_file="try:13"))
    weather = PvlibWeather(config)
    # Per TRY hour: the clear-sky index (cloudy and clear hours, never above the fill limit) and the air temperature.
    assert len(weather._kt) == 8760 and min(weather._kt) < 0.3 and max(weather._kt) > 0.9
    assert -25 < min(weather._tmy_temp) < -5 and 25 < max(weather._tmy_temp) < 38  # Mühldorf, Bavaria
    noon = dt.datetime(2025, 6, 21, 10, 0, tzinfo=dt.timezone.utc).timestamp()
    night = dt.datetime(2025, 6, 21, 22, 0, tzinfo=dt.timezone.utc).timestamp()
    assert max(weather.conditions(noon).poa_w_m2) > 100 and weather.conditions(night).poa_w_m2 == (0.0, 0.0)


def test_an_unknown_region_is_one_sentence():
    pytest.importorskip("pvlib")
    with pytest.raises(FileNotFoundError, match="no DWD test-reference year for region '99'; the regions are 1 to 15"):
        PvlibWeather(PlantConfig(weather="pvlib", climate=ClimateConfig(tmy_file="try:99")))
