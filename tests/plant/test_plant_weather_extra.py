"""The optional `weather` extra: real TMY weather through pvlib, the BDEW household profile through demandlib.

Both run offline from the packages' own data. Without the extra, choosing them is a clear error.
"""

from __future__ import annotations

import socket
import sys

import pytest

from plant_helpers import local_epoch, make_plant, run
from solarctl.plant import MissingExtraError, PlantConfig
from solarctl.plant.weather import ClearSkyWeather


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the plant tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def pvlib_weather():
    pytest.importorskip("pvlib")
    from solarctl.plant.weather import PvlibWeather

    return PvlibWeather(PlantConfig(weather="pvlib"))


def daily_poa_kwh_m2(weather, date: tuple[int, int, int]) -> float:
    start = local_epoch(*date)
    return sum(sum(weather.conditions(start + k * 600).poa_w_m2) for k in range(144)) * 600 / 3.6e6


def test_a_plant_runs_a_day_on_tmy_weather_and_the_bdew_profile(no_network):
    pytest.importorskip("pvlib")
    pytest.importorskip("demandlib")
    plant = make_plant(local_epoch(2025, 6, 21), {"grid_support": True}, weather="pvlib", load_profile="demandlib",
                       max_substep_s=60)
    r = run(plant, 86400, dt=60)
    pv = r.values("pv_available_w")
    assert pv[0] == 0.0 and pv[-1] == 0.0 and max(pv) > 1000
    assert 5 < plant.energy.total_wh("pv") / 1000 < 50
    assert 7 < plant.energy.total_wh("load") / 1000 < 20  # ~4000 kWh/a on a summer Saturday
    assert r.balance_error() < 0.005


def test_tmy_days_vary_and_stay_below_clear_sky(pvlib_weather):
    clear = ClearSkyWeather(PlantConfig())
    days = [(2025, 7, d) for d in range(1, 11)]
    real = [daily_poa_kwh_m2(pvlib_weather, d) for d in days]
    ideal = [daily_poa_kwh_m2(clear, d) for d in days]
    assert max(real) > 1.3 * min(real)  # clouds come and go
    assert all(r < 1.1 * i for r, i in zip(real, ideal))
    assert sum(real) / sum(ideal) > 0.5
    night = pvlib_weather.conditions(local_epoch(2025, 7, 1, 1))
    assert night.poa_w_m2 == (0.0, 0.0) and -10 < night.air_temp_c < 40


def test_bdew_profile_scales_to_the_annual_consumption():
    pytest.importorskip("demandlib")
    from solarctl.plant.load import BdewLoad
    from solarctl.plant.localtime import LocalCalendar

    load = BdewLoad(PlantConfig.model_validate({"load": {"annual_kwh": 3000, "noise_pct": 0}}))
    slots = load._year(2025)
    assert len(slots) == 365 * 96
    assert sum(slots) * 0.25 / 1000 == pytest.approx(3000, rel=1e-9)
    calendar = LocalCalendar("Europe/Vienna")
    hourly = []
    for h in range(24):
        t = local_epoch(2025, 3, 12, h, 30)
        hourly.append(load.demand_w(t, calendar.at(t)))
    assert max(range(24), key=hourly.__getitem__) in range(17, 22)  # evening peak
    assert min(hourly[1:5]) < 0.6 * max(hourly)


@pytest.mark.parametrize(
    ("tables", "modules", "setting"),
    [
        ({"weather": "pvlib"}, ["pvlib"], 'weather = "pvlib"'),
        ({"load_profile": "demandlib"}, ["demandlib", "demandlib.bdew"], 'load_profile = "demandlib"'),
    ],
)
def test_a_missing_extra_says_what_to_install(monkeypatch, tables, modules, setting):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # makes the import fail as if not installed
    with pytest.raises(MissingExtraError) as err:
        make_plant(local_epoch(2025, 1, 1), **tables)
    assert setting in str(err.value)
    assert "pip install 'solarctl[weather]'" in str(err.value)


def test_an_unknown_tmy_file_is_named():
    pytest.importorskip("pvlib")
    with pytest.raises(FileNotFoundError, match="nowhere.epw"):
        make_plant(local_epoch(2025, 1, 1), weather="pvlib", climate={"tmy_file": "nowhere.epw"})
