"""Where the sun is, and how much clear-sky light reaches a tilted plane.

Solar position: NOAA's low-precision formulas (fractional-year series for the equation of time and
declination; good to a few tenths of a degree). Clear sky: Meinel's attenuation of the direct beam
with Kasten-Young air mass, diffuse a fixed share of it. Plane of array: isotropic sky + ground.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

SOLAR_CONSTANT_W_M2 = 1361.0
DIFFUSE_SHARE = 0.1  # clear-sky diffuse horizontal / direct normal
ALBEDO = 0.2
_RAD = math.pi / 180.0


class SunPosition(NamedTuple):
    zenith_deg: float
    azimuth_deg: float  # compass: 90 east, 180 south, 270 west
    day_of_year: int


def sun_position(t: float, latitude: float, longitude: float) -> SunPosition:
    """The sun's position at epoch `t` (UTC) seen from latitude/longitude (degrees, east positive)."""
    doy = time.gmtime(t).tm_yday
    utc_minutes = (t % 86400.0) / 60.0
    g = 2.0 * math.pi / 365.0 * (doy - 1 + (utc_minutes / 60.0 - 12.0) / 24.0)
    eq_time = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g)
                        - 0.014615 * math.cos(2 * g) - 0.040849 * math.sin(2 * g))
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    true_solar_minutes = utc_minutes + eq_time + 4.0 * longitude
    hour_angle = (true_solar_minutes / 4.0 - 180.0) * _RAD
    lat = latitude * _RAD
    cos_zen = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
    zenith = math.acos(max(-1.0, min(1.0, cos_zen)))
    # Azimuth measured from south (west positive), then turned to compass degrees.
    from_south = math.atan2(math.sin(hour_angle),
                            math.cos(hour_angle) * math.sin(lat) - math.tan(decl) * math.cos(lat))
    azimuth = (from_south / _RAD + 180.0) % 360.0
    return SunPosition(zenith / _RAD, azimuth, doy)


def clear_sky(zenith_deg: float, day_of_year: int) -> tuple[float, float]:
    """(direct normal, diffuse horizontal) irradiance in W/m² under a clear sky; zero below the horizon."""
    if zenith_deg >= 90.0:
        return 0.0, 0.0
    extra = SOLAR_CONSTANT_W_M2 * (1.0 + 0.033 * math.cos(2.0 * math.pi * day_of_year / 365.0))
    air_mass = 1.0 / (math.cos(zenith_deg * _RAD) + 0.50572 * (96.07995 - zenith_deg) ** -1.6364)
    dni = extra * 0.7 ** (air_mass ** 0.678)
    return dni, DIFFUSE_SHARE * dni


class Plane:
    """A tilted surface facing `azimuth_deg`; precomputes its trigonometry."""

    def __init__(self, tilt_deg: float, azimuth_deg: float) -> None:
        self._cos_tilt = math.cos(tilt_deg * _RAD)
        self._sin_tilt = math.sin(tilt_deg * _RAD)
        self._azimuth = azimuth_deg * _RAD
        self._sky_view = (1.0 + self._cos_tilt) / 2.0
        self._ground_view = (1.0 - self._cos_tilt) / 2.0

    def irradiance(self, sun: SunPosition, dni: float, dhi: float) -> float:
        """Plane-of-array irradiance in W/m² (beam + isotropic sky diffuse + ground reflection)."""
        if dni <= 0.0 and dhi <= 0.0:
            return 0.0
        zen = sun.zenith_deg * _RAD
        cos_zen = math.cos(zen)
        relative_azimuth = sun.azimuth_deg * _RAD - self._azimuth
        cos_aoi = cos_zen * self._cos_tilt + math.sin(zen) * self._sin_tilt * math.cos(relative_azimuth)
        ghi = dni * max(0.0, cos_zen) + dhi
        return dni * max(0.0, cos_aoi) + dhi * self._sky_view + ghi * ALBEDO * self._ground_view
