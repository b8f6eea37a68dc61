"""Built-in clear-sky PV: the sun's path, array orientation, daily energy, array voltage and current."""

from __future__ import annotations

import datetime as dt

import pytest

from plant_helpers import local_epoch, make_plant, run
from solarctl.plant import PlantConfig
from solarctl.plant.pv import PvArray
from solarctl.plant.sun import sun_position
from solarctl.plant.weather import ClearSkyWeather

BATTERY_V = 51.0


def day_curve(config: PlantConfig, date: tuple[int, int, int],
              step_s: float = 60.0) -> tuple[list[float], list[list[float]]]:
    """(epoch per sample, available W per array per sample) over one local day."""
    weather = ClearSkyWeather(config)
    arrays = [PvArray(a) for a in config.pv_arrays]
    start = local_epoch(*date)
    times, powers = [], [[] for _ in arrays]
    for k in range(int(86400 / step_s)):
        t = start + k * step_s
        sky = weather.conditions(t)
        times.append(t)
        for array, poa, out in zip(arrays, sky.poa_w_m2, powers):
            array.illuminate(poa, sky.air_temp_c, BATTERY_V)
            out.append(array.available_w)
    return times, powers


def kwh(powers: list[float], step_s: float = 60.0) -> float:
    return sum(powers) * step_s / 3.6e6


def utc_hour(t: float) -> float:
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    return d.hour + d.minute / 60


def test_sun_position_matches_known_values():
    # Vienna, 2025-06-21 10:56 UTC is solar noon: the sun due south, 48.2 - 23.44 = 24.8 deg from zenith.
    noon = sun_position(dt.datetime(2025, 6, 21, 10, 56, tzinfo=dt.timezone.utc).timestamp(), 48.2, 16.4)
    assert noon.zenith_deg == pytest.approx(24.8, abs=0.3)
    assert noon.azimuth_deg == pytest.approx(180.0, abs=2.0)
    morning = sun_position(dt.datetime(2025, 6, 21, 5, 0, tzinfo=dt.timezone.utc).timestamp(), 48.2, 16.4)
    assert 45 < morning.azimuth_deg < 90  # north-east at summer sunrise + 2 h
    midnight = sun_position(local_epoch(2025, 6, 21), 48.2, 16.4)
    assert midnight.zenith_deg > 90


def test_zero_at_night_and_a_south_array_peaks_at_solar_noon():
    config = PlantConfig.model_validate({"pv_arrays": [{"name": "south", "azimuth_deg": 180}]})
    times, (south,) = day_curve(config, (2025, 6, 21))
    for hour in (0, 1, 2, 3, 22, 23):  # local
        assert south[hour * 60] == 0.0
    peak = times[max(range(len(south)), key=south.__getitem__)]
    assert utc_hour(peak) == pytest.approx(10.93, abs=0.25)  # 10:56 UTC


def test_east_peaks_before_west_and_both_are_symmetric_about_noon():
    times, (west, east) = day_curve(PlantConfig(), (2025, 6, 21))
    peak_east = utc_hour(times[max(range(len(east)), key=east.__getitem__)])
    peak_west = utc_hour(times[max(range(len(west)), key=west.__getitem__)])
    assert peak_east < 10.9 < peak_west
    assert (peak_east + peak_west) / 2 == pytest.approx(10.93, abs=0.5)
    assert kwh(east) == pytest.approx(kwh(west), rel=0.05)


def test_daily_energy_of_a_clear_day_is_plausible():
    _, summer = day_curve(PlantConfig(), (2025, 6, 21))
    _, winter = day_curve(PlantConfig(), (2025, 12, 21))
    summer_kwh, winter_kwh = kwh(summer[0]) + kwh(summer[1]), kwh(winter[0]) + kwh(winter[1])
    # 6.4 kWp east/west at 48 deg N: a clear June day gives 5-8 kWh/kWp, a clear December day 0.7-2.5.
    assert 32 < summer_kwh < 51
    assert 4.5 < winter_kwh < 16
    assert max(summer[0]) < 3200  # never above peak: 30 deg off the sun's plane, and warm cells


def test_array_voltage_times_current_is_its_power_and_voltage_is_plausible():
    plant = make_plant(local_epoch(2025, 6, 21, 6), battery={"initial_soc_pct": 10})
    seen = []

    def check(p):
        for array in p.pv:
            assert array.voltage_v * array.current_a == pytest.approx(array.power_w, abs=1e-9)
            if array.power_w > 300:
                seen.append(array.voltage_v)
                assert array.output_w == pytest.approx(array.power_w * 0.97)
                assert array.output_current_a == pytest.approx(array.output_w / p.battery.voltage_v, rel=1e-2)

    run(plant, 4 * 3600, dt=60, each=check)
    assert seen and 95 < min(seen) and max(seen) < 135
    assert plant.energy.total_wh("pv_curtailed") == pytest.approx(0.0, abs=1e-6)  # the empty battery took it all


def test_curtailment_moves_the_array_towards_open_circuit():
    array = PvArray(PlantConfig().pv_arrays[0])
    offered = array.illuminate(800.0, 20.0, BATTERY_V)
    array.operate(offered, BATTERY_V)
    mpp_v, mpp_a = array.voltage_v, array.current_a
    array.operate(offered / 2, BATTERY_V)
    assert array.voltage_v > mpp_v and array.current_a < mpp_a / 2
    assert array.curtailed_w == pytest.approx(array.available_w / 2, rel=0.05)
    array.operate(0.0, BATTERY_V)
    assert array.current_a == 0.0 and array.voltage_v == pytest.approx(1.18 * mpp_v)


def test_mppt_output_current_limit_clips_a_big_array():
    config = PlantConfig.model_validate({"pv_arrays": [{"name": "big", "peak_w": 6000, "tilt_deg": 0}]})
    array = PvArray(config.pv_arrays[0])
    offered = array.illuminate(1000.0, 10.0, BATTERY_V)
    assert offered == pytest.approx(60.0 * BATTERY_V)
    assert array.available_w * 0.97 > offered
