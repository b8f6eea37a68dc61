"""The day-ahead price services, behind one interface: `await source.fetch(client, start, end, now)` -> the
published prices (per kWh, the service's currency) covering what it has of [start, end). Each parser reads one
service's answer as recorded in tests/data/prices/ (see tests/data/SOURCES.md); a malformed answer is a
FeedError naming what is wrong, never a price of zero.

- aWATTar (AT, DE): EPEX day-ahead, EUR/MWh, no key; fair use 60 requests a minute, we ask hourly.
- Energy-Charts (Fraunhofer ISE): day-ahead for any bidding zone (`bzn`: DE-LU, AT, FR, NL, ...), EUR/MWh,
  hourly or quarter-hourly, missing values as null, no key.
- Tibber: GraphQL with a personal token; `total` is what the customer pays (energy + tax), per kWh.
- Octopus Agile (GB): half-hourly unit rates of a product/tariff code, pence per kWh incl. VAT, no key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from solarctl.feeds.http import FeedError, fetch_json
from solarctl.feeds.price_series import PricePoint

HOUR = 3600.0


class PriceSource(Protocol):
    name: str
    cadence_s: float  # how often to ask while tomorrow is not known (within the service's free limits)

    async def fetch(self, client: httpx.AsyncClient, start: float, end: float, now: float) -> list[PricePoint]: ...


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FeedError(f"{what} is {value!r}, not a number")
    return float(value)


def _field(item: object, key: str, what: str) -> Any:
    if not isinstance(item, dict) or key not in item:
        raise FeedError(f"{what}: an entry without {key!r}: {str(item)[:100]}")
    return item[key]


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _parse_time(text: object, what: str) -> float:
    if not isinstance(text, str):
        raise FeedError(f"{what}: time {text!r} is not text")
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FeedError(f"{what}: time {text!r} is not ISO 8601") from None
    if when.tzinfo is None:
        raise FeedError(f"{what}: time {text!r} has no UTC offset")
    return when.timestamp()


def _by_starts(starts: list[float], prices: list[float | None]) -> list[PricePoint]:
    """Intervals from start times alone: each lasts until the next; the last as long as the shortest spacing
    seen (a quarter-hour series stays quarter-hourly), an hour when there is only one. A missing price (null)
    leaves its interval unpriced."""
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    if any(g <= 0 for g in gaps):
        raise FeedError("price times are not in increasing order")
    last = min(gaps) if gaps else HOUR
    ends = starts[1:] + [starts[-1] + last] if starts else []
    return [PricePoint(s, e, p) for s, e, p in zip(starts, ends, prices) if p is not None]


def parse_awattar(answer: object) -> list[PricePoint]:
    data = _field(answer, "data", "aWATTar")
    if not isinstance(data, list):
        raise FeedError("aWATTar: `data` is not a list")
    points = []
    for item in data:
        unit = str(_field(item, "unit", "aWATTar")).replace(" ", "").lower()
        if unit != "eur/mwh":
            raise FeedError(f"aWATTar: unit {unit!r}, expected Eur/MWh")
        points.append(PricePoint(_number(_field(item, "start_timestamp", "aWATTar"), "aWATTar start") / 1000,
                                 _number(_field(item, "end_timestamp", "aWATTar"), "aWATTar end") / 1000,
                                 _number(_field(item, "marketprice", "aWATTar"), "aWATTar price") / 1000))
    return sorted(points)


def parse_energy_charts(answer: object) -> list[PricePoint]:
    starts, prices = _field(answer, "unix_seconds", "Energy-Charts"), _field(answer, "price", "Energy-Charts")
    unit = str(_field(answer, "unit", "Energy-Charts")).replace(" ", "").lower()
    if unit != "eur/mwh":
        raise FeedError(f"Energy-Charts: unit {unit!r}, expected EUR / MWh")
    if not isinstance(starts, list) or not isinstance(prices, list) or len(starts) != len(prices):
        raise FeedError("Energy-Charts: unix_seconds and price are not lists of one length")
    return _by_starts([_number(s, "Energy-Charts time") for s in starts],
                      [None if p is None else _number(p, "Energy-Charts price") / 1000 for p in prices])


def parse_tibber(answer: object, home: int = 0) -> list[PricePoint]:
    if isinstance(answer, dict) and answer.get("errors"):
        first = answer["errors"][0]
        raise FeedError(f"Tibber: {first.get('message', first) if isinstance(first, dict) else first}",
                        auth="unauthorized" in str(answer["errors"]).lower())
    try:
        homes = answer["data"]["viewer"]["homes"]  # type: ignore[index]
        info = homes[home]["currentSubscription"]["priceInfo"]
    except (KeyError, IndexError, TypeError):
        raise FeedError(f"Tibber: no priceInfo for home {home} in the answer") from None
    entries = [*(info.get("today") or []), *(info.get("tomorrow") or [])]
    entries.sort(key=lambda e: _parse_time(_field(e, "startsAt", "Tibber"), "Tibber"))
    return _by_starts([_parse_time(e["startsAt"], "Tibber") for e in entries],
                      [_number(_field(e, "total", "Tibber"), "Tibber total") for e in entries])


def parse_octopus(answer: object) -> list[PricePoint]:
    results = _field(answer, "results", "Octopus")
    if not isinstance(results, list):
        raise FeedError("Octopus: `results` is not a list")
    points = []
    for item in results:
        start = _parse_time(_field(item, "valid_from", "Octopus"), "Octopus")
        end_text = _field(item, "valid_to", "Octopus")
        end = start + 1800.0 if end_text is None else _parse_time(end_text, "Octopus")
        points.append(PricePoint(start, end, _number(_field(item, "value_inc_vat", "Octopus"), "Octopus price") / 100))
    return sorted(points)


@dataclass
class Awattar:
    country: str = "at"  # at | de
    base_url: str = ""
    name: str = "aWATTar"
    cadence_s: float = HOUR

    def __post_init__(self) -> None:
        if self.country.lower() not in ("at", "de"):
            raise ValueError(f"aWATTar serves AT and DE, not {self.country!r}")
        self.base_url = self.base_url or f"https://api.awattar.{self.country.lower()}"

    async def fetch(self, client: httpx.AsyncClient, start: float, end: float, now: float) -> list[PricePoint]:
        answer = await fetch_json(client, self.name, "GET", f"{self.base_url}/v1/marketdata", now=now,
                                  params={"start": int(start * 1000), "end": int(end * 1000)})
        return parse_awattar(answer)


@dataclass
class EnergyCharts:
    zone: str = "DE-LU"  # bidding zone
    base_url: str = "https://api.energy-charts.info"
    name: str = "Energy-Charts"
    cadence_s: float = HOUR

    async def fetch(self, client: httpx.AsyncClient, start: float, end: float, now: float) -> list[PricePoint]:
        answer = await fetch_json(client, self.name, "GET", f"{self.base_url}/price", now=now,
                                  params={"bzn": self.zone, "start": _iso(start), "end": _iso(end)})
        return parse_energy_charts(answer)


TIBBER_QUERY = ("{ viewer { homes { currentSubscription { priceInfo { "
                "today { total startsAt } tomorrow { total startsAt } } } } } }")


@dataclass
class Tibber:
    token: str = ""
    home: int = 0  # which of the account's homes
    base_url: str = "https://api.tibber.com"
    name: str = "Tibber"
    cadence_s: float = HOUR

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("Tibber needs `token` (a personal access token from developer.tibber.com)")

    async def fetch(self, client: httpx.AsyncClient, start: float, end: float, now: float) -> list[PricePoint]:
        answer = await fetch_json(client, self.name, "POST", f"{self.base_url}/v1-beta/gql", now=now,
                                  json={"query": TIBBER_QUERY}, headers={"Authorization": f"Bearer {self.token}"})
        return parse_tibber(answer, self.home)


MAX_PAGES = 5


@dataclass
class OctopusAgile:
    product: str = ""  # e.g. AGILE-24-10-01
    tariff: str = ""  # e.g. E-1R-AGILE-24-10-01-C (the last letter: the region)
    base_url: str = "https://api.octopus.energy"
    name: str = "Octopus Agile"
    cadence_s: float = HOUR

    def __post_init__(self) -> None:
        if not self.product or not self.tariff:
            raise ValueError("Octopus Agile needs `product` and `tariff` codes (e.g. AGILE-24-10-01 and "
                             "E-1R-AGILE-24-10-01-C)")

    async def fetch(self, client: httpx.AsyncClient, start: float, end: float, now: float) -> list[PricePoint]:
        url: str | None = (f"{self.base_url}/v1/products/{self.product}/electricity-tariffs/{self.tariff}"
                           "/standard-unit-rates/")
        params: dict[str, str] | None = {"period_from": _iso(start), "period_to": _iso(end)}
        points: list[PricePoint] = []
        for _ in range(MAX_PAGES):  # paginated (100 a page by default): two days are 96 half-hours
            if url is None:
                break
            answer = await fetch_json(client, self.name, "GET", url, now=now, params=params)
            points += parse_octopus(answer)
            following = answer.get("next") if isinstance(answer, dict) else None
            url, params = (following if isinstance(following, str) else None), None
        return sorted(points)


SOURCES = {"awattar": Awattar, "energy-charts": EnergyCharts, "tibber": Tibber, "octopus-agile": OctopusAgile}
