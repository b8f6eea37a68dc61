"""What the sky delivers to each PV array, and the air temperature.

`clear_sky` (built in): every day is cloudless; air temperature follows a seasonal + daily cosine.
`pvlib`: real weather, offline. The clear-sky index and air temperature of a typical meteorological
year (a TMY3/EPW file, by default one that pvlib ships in its package data, or `try:N`: the German
weather service's test-reference year of region N that demandlib ships) are replayed at the
site: pvlib computes the sun, the site's own clear sky (Ineichen, Linke turbidity from pvlib's
data), splits the resulting GHI (Erbs) and transposes it onto each array (Hay-Davies).
"""

from __future__ import annotations

import math
import os
import time
from typing import NamedTuple, Protocol

from solarctl.plant.config import ClimateConfig, PlantConfig
from solarctl.plant.extras import quiet_deprecations, require
from solarctl.plant.sun import Plane, clear_sky, sun_position


class Conditions(NamedTuple):
    poa_w_m2: tuple[float, ...]  # plane-of-array irradiance per array, in config order
    air_temp_c: float


class Weather(Protocol):
    def conditions(self, t: float) -> Conditions: ...


def make_weather(config: PlantConfig) -> Weather:
    if config.weather == "pvlib":
        return PvlibWeather(config)
    return ClearSkyWeather(config)


def air_temperature(t: float, day_of_year: int, longitude: float, climate: ClimateConfig) -> float:
    solar_hour = ((t % 86400.0) / 3600.0 + longitude / 15.0) % 24.0
    return (climate.mean_temp_c
            - climate.annual_swing_c * math.cos(2.0 * math.pi * (day_of_year - 15) / 365.0)
            + climate.daily_swing_c * math.cos(2.0 * math.pi * (solar_hour - 15.0) / 24.0))


class ClearSkyWeather:
    def __init__(self, config: PlantConfig) -> None:
        self._lat = config.latitude
        self._lon = config.longitude
        self._climate = config.climate
        self._planes = [Plane(a.tilt_deg, a.azimuth_deg) for a in config.pv_arrays]

    def conditions(self, t: float) -> Conditions:
        sun = sun_position(t, self._lat, self._lon)
        dni, dhi = clear_sky(sun.zenith_deg, sun.day_of_year)
        poa = tuple(p.irradiance(sun, dni, dhi) for p in self._planes)
        return Conditions(poa, air_temperature(t, sun.day_of_year, self._lon, self._climate))


class _Year(NamedTuple):
    start: float  # epoch of the first sample
    poa: list[list[float]]  # per array
    air_temp: list[float]


class PvlibWeather:
    STEP_S = 600.0  # one year is precomputed at this resolution and interpolated linearly

    def __init__(self, config: PlantConfig) -> None:
        self._pvlib = require("pvlib", 'weather = "pvlib"')
        self._config = config
        with quiet_deprecations():
            self._kt, self._tmy_temp, self._tmy_shift_h = self._read_tmy(config.climate.tmy_file)
        self._years: dict[int, _Year] = {}

    def conditions(self, t: float) -> Conditions:
        year = self._year(time.gmtime(t).tm_year)
        x = (t - year.start) / self.STEP_S
        i = min(int(x), len(year.air_temp) - 2)
        f = x - i
        poa = tuple(p[i] + (p[i + 1] - p[i]) * f for p in year.poa)
        temp = year.air_temp[i] + (year.air_temp[i + 1] - year.air_temp[i]) * f
        return Conditions(poa, temp)

    def _read_tmy(self, name: str) -> tuple[list[float], list[float], float]:
        """Per TMY hour: clear-sky index and air temperature; plus TMY standard time minus solar time (h)."""
        pvlib = self._pvlib
        import numpy as np  # installed with pvlib
        import pandas as pd

        path = _weather_file(name, pvlib)
        if path.lower().endswith(".epw"):
            data, meta = pvlib.iotools.read_epw(path)
        elif path.lower().endswith(".dat"):
            data, meta = _read_dwd_try(path)
        else:
            data, meta = pvlib.iotools.read_tmy3(path, map_variables=True)
        lat, lon, tz = float(meta["latitude"]), float(meta["longitude"]), float(meta["TZ"])
        # TMY rows are hour-ending values in local standard time; the years are mixed, so rebuild the
        # index on one ordinary year, at the middle of each hour.
        first = pd.Timestamp("2001-01-01 00:30", tz="UTC") - pd.Timedelta(hours=tz)
        times = pd.date_range(first, periods=8760, freq="h")
        clear = pvlib.location.Location(lat, lon, tz="UTC").get_clearsky(times, model="ineichen")
        ghi = data["ghi"].to_numpy(dtype=float)[:8760]
        cs = clear["ghi"].to_numpy()
        # The index is meaningless at low sun; fill those hours from the nearest daylight ones.
        kt = pd.Series(np.where(cs > 50.0, ghi / np.maximum(cs, 1.0), np.nan)).clip(0.0, 1.2)
        kt = kt.interpolate(limit_direction="both").fillna(1.0)
        return kt.tolist(), data["temp_air"].to_numpy(dtype=float)[:8760].tolist(), tz - lon / 15.0

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            if len(self._years) >= 2:
                self._years.pop(min(self._years))
            with quiet_deprecations():
                cached = self._years[year] = self._compute_year(year)
        return cached

    def _compute_year(self, year: int) -> _Year:
        pvlib = self._pvlib
        import numpy as np
        import pandas as pd

        cfg = self._config
        times = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq=f"{int(self.STEP_S)}s", tz="UTC")
        start = float(times[0].timestamp())
        # Hour of the TMY year (at its site, in its standard time) that matches the same solar time here.
        solar_h = np.arange(len(times)) * (self.STEP_S / 3600.0) + cfg.longitude / 15.0
        tmy_h = (solar_h + self._tmy_shift_h - 0.5) % 8760.0
        kt = _interp_periodic(tmy_h, self._kt)
        air = _interp_periodic(tmy_h, self._tmy_temp)

        site = pvlib.location.Location(cfg.latitude, cfg.longitude, tz="UTC")
        sun = site.get_solarposition(times)
        clear = site.get_clearsky(times, model="ineichen", solar_position=sun)
        ghi = kt * clear["ghi"].to_numpy()
        split = pvlib.irradiance.erbs(ghi, sun["zenith"].to_numpy(), times)
        dni_extra = pvlib.irradiance.get_extra_radiation(times).to_numpy()
        poa = []
        for array in cfg.pv_arrays:
            total = pvlib.irradiance.get_total_irradiance(
                array.tilt_deg, array.azimuth_deg, sun["apparent_zenith"].to_numpy(), sun["azimuth"].to_numpy(),
                np.asarray(split["dni"]), ghi, np.asarray(split["dhi"]), dni_extra=dni_extra,
                model="haydavies", albedo=0.2)
            poa.append(np.nan_to_num(np.asarray(total["poa_global"], dtype=float)).clip(0.0).tolist())
        return _Year(start, poa, air.tolist())


def _weather_file(name: str, pvlib) -> str:
    """A path, one of pvlib's data files, or `try:N`: the DWD test-reference year of region N shipped in demandlib."""
    if name.startswith("try:"):
        region = name[4:]
        demandlib = require("demandlib", f'climate.tmy_file = "{name}"')
        path = os.path.join(os.path.dirname(demandlib.__file__), "vdi", "resources_weather",
                            f"TRY2010_{region.zfill(2)}_Jahr.dat")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"plant climate.tmy_file {name!r}: no DWD test-reference year for region "
                                    f"{region!r}; the regions are 1 to 15")
        return path
    path = name if os.path.isfile(name) else os.path.join(os.path.dirname(pvlib.__file__), "data", name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"plant climate.tmy_file {name!r}: no such file, and not one of pvlib's data files")
    return path


def _read_dwd_try(path: str):
    """A DWD test-reference year (2010 format): hour-ending rows in CET; GHI = direct + diffuse horizontal."""
    import re

    import pandas as pd

    with open(path, encoding="utf-8") as fh:
        head = [next(fh) for _ in range(40)]
    where = next(line for line in head if line.startswith("Lage:"))
    (lat_d, lat_m), (lon_d, lon_m) = re.findall(r"(\d+)°(\d+)'", where)[:2]
    header = next(i for i, line in enumerate(head) if line.startswith("***")) - 1
    table = pd.read_csv(path, sep=r"\s+", skiprows=header, encoding="utf-8", comment="*")
    data = pd.DataFrame({"ghi": table["B"] + table["D"], "temp_air": table["t"]})
    meta = {"latitude": int(lat_d) + int(lat_m) / 60.0, "longitude": int(lon_d) + int(lon_m) / 60.0, "TZ": 1.0}
    return data, meta


def _interp_periodic(x, values: list[float]):
    import numpy as np

    v = np.asarray(values)
    i = np.floor(x).astype(int) % len(v)
    f = x - np.floor(x)
    return v[i] + (v[(i + 1) % len(v)] - v[i]) * f
