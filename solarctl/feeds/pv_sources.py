"""PV forecast services, behind one interface: `await source.fetch(client, now)` -> samples (epoch s, W DC
delivered by the site's MPPTs) that the plan interpolates between. Each parser reads the service's answer as
recorded in tests/data/pv/ (provenance in tests/data/SOURCES.md).

- Open-Meteo: hourly irradiance (direct normal, diffuse) and air temperature, no key; turned into the site's
  PV by the plant's own array model (solarctl/plant: sun position, plane-of-array light, PvArray's derating
  and MPPT limit). Each value is the mean of the hour before its time stamp, so it stands for the half hour
  before. Free for non-commercial use up to 10 000 calls a day: we ask hourly.
- forecast.solar: `watts` per plane at local times (the answer names its timezone); one request per array,
  12 requests an hour on the public plan: we ask each array hourly.
- Solcast rooftop site: `pv_estimate` in kW, the mean of the period ending at `period_end`; an API key;
  10 requests a day on the hobbyist plan: we ask every 3 h.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from solarctl.feeds.http import FeedError, fetch_json
from solarctl.plant.config import PlantConfig
from solarctl.plant.pv import PvArray
from solarctl.plant.sun import Plane, sun_position

Sample = tuple[float, float]  # (epoch s, W)


class PvSource(Protocol):
    name: str
    cadence_s: float

    async def fetch(self, client: httpx.AsyncClient, now: float) -> list[Sample]: ...


def _list(answer: object, key: str, what: str) -> list[Any]:
    value = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(value, list):
        raise FeedError(f"{what}: no list {key!r} in the answer")
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FeedError(f"{what}: {value!r} is not a number")
    return float(value)


def interpolate(samples: list[Sample], t: float) -> float | None:
    """Power at `t` on the straight line between the samples around it; None outside them."""
    i = bisect.bisect_right(samples, (t, math.inf))
    if i == 0 or (i == len(samples) and samples[-1][0] < t):
        return None
    if i == len(samples):
        return samples[-1][1]
    (t0, w0), (t1, w1) = samples[i - 1], samples[i]
    return w0 + (w1 - w0) * (t - t0) / (t1 - t0)


class SiteModel:
    """The site's DC output from irradiance: the plant's arrays, each with its plane and PvArray model."""

    def __init__(self, plant: PlantConfig) -> None:
        self.latitude, self.longitude = plant.latitude, plant.longitude
        self.arrays = [(Plane(a.tilt_deg, a.azimuth_deg), PvArray(a)) for a in plant.pv_arrays]
        self.volts = plant.battery.cells_in_series * 3.3  # the MPPT output limit's bus voltage (LiFePO4 plateau)

    def power_w(self, t: float, dni: float, dhi: float, air_c: float) -> float:
        sun = sun_position(t, self.latitude, self.longitude)
        return sum(array.illuminate(plane.irradiance(sun, dni, dhi), air_c, self.volts) for plane, array in self.arrays)


def parse_open_meteo(answer: object, site: SiteModel) -> list[Sample]:
    hourly = answer.get("hourly") if isinstance(answer, dict) else None
    if isinstance(answer, dict) and answer.get("utc_offset_seconds", 0) != 0:
        raise FeedError("Open-Meteo: the answer is not in GMT (ask with timezone=GMT)")
    times, dni, dhi, temp = (_list(hourly, k, "Open-Meteo") for k in
                             ("time", "direct_normal_irradiance", "diffuse_radiation", "temperature_2m"))
    if not len(times) == len(dni) == len(dhi) == len(temp):
        raise FeedError("Open-Meteo: the hourly lists are not of one length")
    samples = []
    for stamp, beam, diffuse, air in zip(times, dni, dhi, temp):
        if beam is None or diffuse is None:
            continue  # a missing hour: the plan falls back to its own forecast there
        try:
            end = dt.datetime.fromisoformat(str(stamp)).replace(tzinfo=dt.timezone.utc).timestamp()
        except ValueError:
            raise FeedError(f"Open-Meteo: time {stamp!r} is not ISO 8601") from None
        middle = end - 1800.0  # the hour's mean stands for its middle
        samples.append((middle, site.power_w(middle, _number(beam, "Open-Meteo DNI"), _number(diffuse, "Open-Meteo DHI"),
                                             15.0 if air is None else _number(air, "Open-Meteo temperature"))))
    return samples


def parse_forecast_solar(answer: object) -> list[Sample]:
    try:
        watts = answer["result"]["watts"]  # type: ignore[index]
        zone = zoneinfo.ZoneInfo(answer["message"]["info"]["timezone"])  # type: ignore[index]
    except (KeyError, TypeError, zoneinfo.ZoneInfoNotFoundError):
        raise FeedError("forecast.solar: no result.watts or message.info.timezone in the answer") from None
    if not isinstance(watts, dict):
        raise FeedError("forecast.solar: result.watts is not a table")
    samples = []
    for stamp, value in watts.items():
        try:
            local = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise FeedError(f"forecast.solar: time {stamp!r} is not YYYY-MM-DD HH:MM:SS") from None
        samples.append((local.replace(tzinfo=zone).timestamp(), _number(value, "forecast.solar watts")))
    return sorted(samples)


def parse_solcast(answer: object) -> list[Sample]:
    samples = []
    for item in _list(answer, "forecasts", "Solcast"):
        if not isinstance(item, dict) or "period_end" not in item or "pv_estimate" not in item:
            raise FeedError(f"Solcast: an entry without period_end or pv_estimate: {str(item)[:100]}")
        try:
            end = dt.datetime.fromisoformat(str(item["period_end"]).replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise FeedError(f"Solcast: time {item['period_end']!r} is not ISO 8601") from None
        minutes = {"PT5M": 5, "PT10M": 10, "PT15M": 15, "PT30M": 30, "PT60M": 60}.get(str(item.get("period")), 30)
        samples.append((end - minutes * 30.0, 1000.0 * _number(item["pv_estimate"], "Solcast pv_estimate")))
    return sorted(samples)


@dataclass
class OpenMeteo:
    plant: PlantConfig
    base_url: str = "https://api.open-meteo.com"
    name: str = "open-meteo"
    cadence_s: float = 3600.0
    site: SiteModel = field(init=False)

    def __post_init__(self) -> None:
        self.site = SiteModel(self.plant)

    async def fetch(self, client: httpx.AsyncClient, now: float) -> list[Sample]:
        answer = await fetch_json(client, self.name, "GET", f"{self.base_url}/v1/forecast", now=now, params={
            "latitude": self.plant.latitude, "longitude": self.plant.longitude, "timezone": "GMT",
            "hourly": "temperature_2m,direct_normal_irradiance,diffuse_radiation", "forecast_days": 3})
        return parse_open_meteo(answer, self.site)


@dataclass
class ForecastSolar:
    plant: PlantConfig
    api_key: str = ""  # a paid plan's key, in the path; none for the public plan
    base_url: str = "https://api.forecast.solar"
    name: str = "forecast.solar"
    cadence_s: float = 3600.0

    async def fetch(self, client: httpx.AsyncClient, now: float) -> list[Sample]:
        planes: list[list[Sample]] = []
        key = f"/{self.api_key}" if self.api_key else ""
        for array in self.plant.pv_arrays:  # forecast.solar azimuth: 0 south, -90 east, 90 west
            azimuth = round(array.azimuth_deg - 180.0)
            url = (f"{self.base_url}{key}/estimate/{self.plant.latitude:g}/{self.plant.longitude:g}/"
                   f"{array.tilt_deg:g}/{azimuth}/{array.peak_w / 1000:g}")
            answer = await fetch_json(client, self.name, "GET", url, now=now)
            planes.append([(t, w * array.mppt_efficiency) for t, w in parse_forecast_solar(answer)])
        # the planes' samples may fall at other minutes (sunrise, sunset): the site is their sum at every one
        times = sorted({t for plane in planes for t, _ in plane})
        return [(t, sum(interpolate(plane, t) or 0.0 for plane in planes)) for t in times]


@dataclass
class Solcast:
    site: str = ""  # the rooftop site's resource id
    api_key: str = ""
    base_url: str = "https://api.solcast.com.au"
    name: str = "solcast"
    cadence_s: float = 3 * 3600.0  # 8 of the hobbyist plan's 10 requests a day

    def __post_init__(self) -> None:
        if not self.site or not self.api_key:
            raise ValueError("Solcast needs `site` (the rooftop site's resource id) and `api_key`")

    async def fetch(self, client: httpx.AsyncClient, now: float) -> list[Sample]:
        answer = await fetch_json(client, self.name, "GET", f"{self.base_url}/rooftop_sites/{self.site}/forecasts",
                                  now=now, params={"format": "json"},
                                  headers={"Authorization": f"Bearer {self.api_key}"})
        return parse_solcast(answer)


def make_pv_source(source: str, plant: PlantConfig, *, api_key: str = "", site: str = "",
                   base_url: str | None = None) -> PvSource:
    """The service a `[strategy.pv_forecast]` table names."""
    found: PvSource
    if source == "open-meteo":
        found = OpenMeteo(plant)
    elif source == "forecast.solar":
        found = ForecastSolar(plant, api_key)
    elif source == "solcast":
        found = Solcast(site, api_key)
    else:
        raise ValueError(f"no PV forecast service {source!r}")
    if base_url:
        found.base_url = base_url  # every service dataclass has one
    return found
