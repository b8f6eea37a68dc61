"""PV yield per kWp of the demo sites against published figures for the weather and the place.

The backtests' default weather is the DWD test-reference year of region 13 (`try:13`: Mühldorf am Inn,
Bavaria, a mean year of 1988-2007), its clear-sky index applied to the sun at the site (both demo sites are
at Vienna, 48.2° N 16.4° E). References:

- Bayerisches Landesamt für Umwelt, Energie-Atlas Bayern, "Photovoltaik: Potenzial"
  (https://energieatlas.bayern.de/thema_sonne/photovoltaik/potenzial): global horizontal irradiation in most
  of Bavaria 1 060-1 180 kWh/m² a year (1981-2010), about 10 % more on a south-facing plane at its optimum
  tilt (~30°). So a south array at 35° should see 1 166-1 298 kWh/m² a year; with ±5 % for the tilt being 5°
  off the optimum and the site's sun being Vienna's, 1 100-1 365.
- PVGIS v5.3 for Vienna (48.21° N), as quoted on solar-world24.com's Vienna page: 1 176 kWh/kWp a year at the
  optimum 38° south, after PVGIS' default 14 % system losses. The plant's own losses (MPPT, inverter) are
  applied to the array's output, so its figure is compared with PVGIS' before those losses
  (1 176 / 0.86 = 1 367 kWh/kWp): it lies ~21 % below, within the 25 % stated here, because the weather is
  Bavaria's 1988-2007 mean year and not Vienna's sunnier 2005-2023 satellite years.
"""

from __future__ import annotations

import pytest

from solarctl.backtest.scenario import load_site, local_midnight
from solarctl.plant.pv import PvArray
from solarctl.plant.weather import PvlibWeather

STEP_S = 3600.0  # the TRY's own resolution
PVGIS_VIENNA_OPTIMUM = 1176.0 / (1.0 - 0.14)  # kWh/kWp a year before PVGIS' system losses
POA_SOUTH_RANGE = (1100.0, 1365.0)  # kWh/m² a year, Energie-Atlas Bayern (see above)


def yearly(site: str) -> list[tuple[str, float, float]]:
    """(array, plane-of-array kWh/m², kWh/kWp at the MPP) over the TRY year, per array of the demo site."""
    plant = load_site(site).plant
    weather = PvlibWeather(plant.model_copy(update={
        "weather": "pvlib", "climate": plant.climate.model_copy(update={"tmy_file": "try:13"})}))
    start = local_midnight("2025-01-01", plant.timezone)
    arrays = [PvArray(a) for a in plant.pv_arrays]
    poa_wh, mpp_wh = [0.0] * len(arrays), [0.0] * len(arrays)
    for k in range(round(365 * 86400 / STEP_S)):
        sky = weather.conditions(start + (k + 0.5) * STEP_S)
        for i, (array, poa) in enumerate(zip(arrays, sky.poa_w_m2)):
            array.illuminate(poa, sky.air_temp_c, 50.0)
            poa_wh[i] += poa * STEP_S / 3600.0
            mpp_wh[i] += array.available_w * STEP_S / 3600.0
    return [(a.name, p / 1000.0, m / a.config.peak_w) for a, p, m in zip(arrays, poa_wh, mpp_wh)]


def test_the_solar_stations_south_array_sees_the_irradiation_and_yield_published_for_its_weather_and_place() -> None:
    pytest.importorskip("pvlib")
    [(name, poa, specific)] = yearly("solar-station")
    low, high = POA_SOUTH_RANGE
    assert low <= poa <= high, f"{name}: {poa:.0f} kWh/m² a year on the plane, published {low:.0f}-{high:.0f}"
    # Only the cells' temperature lies between the light and the MPP: a few % in a year.
    assert 0.90 * poa <= specific <= 1.0 * poa
    assert 0.75 * PVGIS_VIENNA_OPTIMUM <= specific <= 1.0 * PVGIS_VIENNA_OPTIMUM, (
        f"{specific:.0f} kWh/kWp against PVGIS' {PVGIS_VIENNA_OPTIMUM:.0f} before system losses")

