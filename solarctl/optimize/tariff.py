"""What grid energy costs: an import price per kWh by local hour (flat or time-of-use) and a feed-in price.

A tariff file (TOML), prices per kWh in any one currency:

    feed_in = 0.08               # paid per kWh exported (0 if absent)
    import_price = 0.30          # flat ...

    # ... or time-of-use: local-time hour ranges "FROM-TO" (TO exclusive, 0-24) that cover the day once
    [import_price]
    "0-7" = 0.20
    "7-22" = 0.34
    "22-24" = 0.20
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from solarctl.plant.localtime import LocalCalendar

HOURS = 24
SHORT_SPAN_S = 2 * 86400.0


class TariffError(ValueError):
    """A tariff file that cannot be used, as one sentence naming the fix."""


@dataclass(frozen=True)
class Tariff:
    import_by_hour: tuple[float, ...]  # price per kWh imported during each local hour 0..23
    feed_in: float = 0.0  # paid per kWh exported

    def __post_init__(self) -> None:
        if len(self.import_by_hour) != HOURS:
            raise TariffError(f"a tariff needs {HOURS} hourly import prices, got {len(self.import_by_hour)}")

    @classmethod
    def flat(cls, import_price: float, feed_in: float = 0.0) -> Tariff:
        return cls((float(import_price),) * HOURS, float(feed_in))

    @classmethod
    def load(cls, path: str | Path) -> Tariff:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise TariffError(f"cannot read the tariff file {path}: {exc}; give a TOML file as described in "
                              "solarctl/optimize/tariff.py") from None
        unknown = set(data) - {"import_price", "feed_in"}
        if unknown or "import_price" not in data:
            raise TariffError(f"tariff file {path}: it needs import_price (and optionally feed_in), "
                              f"{'not ' + ', '.join(sorted(unknown)) if unknown else 'which is missing'}")
        price = data["import_price"]
        feed_in = _number(data.get("feed_in", 0.0), "feed_in", path)
        if isinstance(price, dict):
            return cls(_by_hour(price, path), feed_in)
        return cls.flat(_number(price, "import_price", path), feed_in)

    @property
    def time_of_use(self) -> bool:
        return len(set(self.import_by_hour)) > 1

    def import_prices(self, start: float, step_s: float, steps: int, zone: str) -> list[float]:
        """The import price of each step from `start` (epoch s), by the local hour at the step's middle."""
        if not self.time_of_use:
            return [self.import_by_hour[0]] * steps
        middles = [start + (i + 0.5) * step_s for i in range(steps)]
        zone_info = zoneinfo.ZoneInfo(zone)
        offsets = {_utc_offset(t, zone_info) for t in (middles[0], middles[-1])}
        # Within two days, the same UTC offset at both ends means no clock change in between (zones change
        # their clocks months apart): the local hour is arithmetic. The forecast asks for 24-48 h every 15 minutes.
        if len(offsets) == 1 and middles[-1] - middles[0] <= SHORT_SPAN_S:
            [offset] = offsets
            return [self.import_by_hour[int((t + offset) % 86400 // 3600)] for t in middles]
        calendar = LocalCalendar(zone)
        return [self.import_by_hour[int(calendar.at(t).seconds_of_day // 3600) % HOURS] for t in middles]

    def describe(self) -> str:
        if not self.time_of_use:
            return f"import {self.import_by_hour[0]:g}/kWh, feed-in {self.feed_in:g}/kWh"
        return f"import {min(self.import_by_hour):g}-{max(self.import_by_hour):g}/kWh by hour, feed-in {self.feed_in:g}/kWh"


def _utc_offset(t: float, zone: zoneinfo.ZoneInfo) -> float:
    return dt.datetime.fromtimestamp(t, zone).utcoffset().total_seconds()  # type: ignore[union-attr]


def _number(value: object, key: str, path: str | Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TariffError(f"tariff file {path}: {key} must be a number (price per kWh), not {value!r}")
    return float(value)


def _by_hour(ranges: dict, path: str | Path) -> tuple[float, ...]:
    prices: list[float | None] = [None] * HOURS
    for key, value in ranges.items():
        try:
            first, end = (int(part) for part in key.split("-"))
        except ValueError:
            raise TariffError(f'tariff file {path}: import_price key {key!r} must be an hour range such as "7-22"') from None
        if not 0 <= first < end <= HOURS:
            raise TariffError(f"tariff file {path}: hour range {key!r} must lie within 0-24, start before end")
        for hour in range(first, end):
            if prices[hour] is not None:
                raise TariffError(f"tariff file {path}: hour {hour} is priced twice; make the ranges not overlap")
            prices[hour] = _number(value, f"import_price[{key!r}]", path)
    missing = [h for h, p in enumerate(prices) if p is None]
    if missing:
        raise TariffError(f"tariff file {path}: no import price for hour {missing[0]}; cover 0-24 with the ranges")
    return tuple(p for p in prices if p is not None)
