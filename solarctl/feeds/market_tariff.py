"""A tariff that follows the day-ahead market: the tariff file's `[market]` table names the price service and
the user's formula for what a kWh costs on top of the market price (grid fees, taxes, VAT), and the feed-in
(a fixed price or a formula of the market price).

    [market]
    source = "awattar"                          # awattar | energy-charts | tibber | octopus-agile
    country = "at"                              # awattar: at | de
    # zone = "DE-LU"                            # energy-charts: the bidding zone
    # token = "..."                             # tibber: personal access token
    # product = "AGILE-24-10-01"                # octopus-agile: product and tariff codes
    # tariff = "E-1R-AGILE-24-10-01-C"
    import_price = "(market + 0.0995) * 1.2"    # per kWh; `market` is the service's price per kWh
    feed_in = 0.08                              # or a formula: "max(0, market - 0.015)"

`MarketTariff` answers what the strategy and the LP ask of a `Tariff` (`import_prices`, `feed_in`,
`import_by_hour`, `describe`), from the prices its `PriceFeed` (price_feed.py) merges in; `version` grows
with each change so the strategy re-plans when new prices arrive. A market-linked feed-in: the LP takes one
feed-in price and keeps it between plans, so it plans with the formula of the mean market price of the first
plan's steps (a per-step feed-in price in the LP is not done yet).
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solarctl.feeds.formula import Formula, FormulaError
from solarctl.feeds.price_series import PricePoint, PriceSeries, StepPrices

HOURS = 24
SOURCE_KEYS = {"awattar": {"country", "base_url"}, "energy-charts": {"zone", "base_url"},
               "tibber": {"token", "home", "base_url"}, "octopus-agile": {"product", "tariff", "base_url"}}


class MarketTariffError(ValueError):
    """A `[market]` table that cannot be used, as one sentence."""


@dataclass(frozen=True)
class MarketConfig:
    source: str
    options: dict[str, Any]  # the source's own keys (country, zone, token ...)
    import_formula: Formula
    feed_in: float | Formula

    @classmethod
    def from_table(cls, table: object, path: str | Path) -> MarketConfig:
        if not isinstance(table, dict):
            raise MarketTariffError(f"tariff file {path}: [market] must be a table")
        source = table.get("source")
        if source not in SOURCE_KEYS:
            raise MarketTariffError(f"tariff file {path}: [market] source must be one of "
                                    f"{', '.join(SOURCE_KEYS)}, not {source!r}")
        options = {k: v for k, v in table.items() if k not in ("source", "import_price", "feed_in")}
        unknown = set(options) - SOURCE_KEYS[source]
        if unknown:
            raise MarketTariffError(f"tariff file {path}: [market] {', '.join(sorted(unknown))} is not a setting of "
                                    f"{source} (it takes {', '.join(sorted(SOURCE_KEYS[source]))})")
        try:
            import_formula = Formula(str(table.get("import_price", "market")))
            feed = table.get("feed_in", 0.0)
            feed_in: float | Formula = Formula(feed) if isinstance(feed, str) else _price(feed, path)
        except FormulaError as exc:
            raise MarketTariffError(f"tariff file {path}: {exc}") from None
        from solarctl.feeds.price_sources import SOURCES  # noqa: PLC0415 - checks the options; brings httpx

        try:
            SOURCES[source](**options)
        except (TypeError, ValueError) as exc:
            raise MarketTariffError(f"tariff file {path}: [market] {exc}") from None
        return cls(source, options, import_formula, feed_in)

    def make_source(self) -> Any:
        from solarctl.feeds.price_sources import SOURCES  # noqa: PLC0415

        return SOURCES[self.source](**self.options)


def _price(value: object, path: str | Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MarketTariffError(f"tariff file {path}: [market] feed_in must be a number or a formula, not {value!r}")
    return float(value)


def market_table(path: str | Path) -> dict[str, Any] | None:
    """The `[market]` table of a tariff file, or None when it has none (a fixed tariff)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None  # Tariff.load says what is wrong with the file
    table = data.get("market")
    if table is not None and set(data) - {"market"}:
        raise MarketTariffError(f"tariff file {path}: a [market] tariff takes its prices from the market; "
                                f"remove {', '.join(sorted(set(data) - {'market'}))}")
    return table if table is not None else None


@dataclass
class MarketTariff:
    config: MarketConfig
    series: PriceSeries = field(default_factory=PriceSeries)
    version: int = 0  # grows when the prices change: the strategy re-plans
    published_hour: float | None = None  # a replay: the next day's prices are known from this local hour on
    last: StepPrices | None = None  # the last steps priced, for `describe` and the plan
    _feed_in_now: float = 0.0

    @classmethod
    def load(cls, path: str | Path) -> MarketTariff:
        table = market_table(path)
        if table is None:
            raise MarketTariffError(f"tariff file {path} has no [market] table")
        return cls(MarketConfig.from_table(table, path))

    def update(self, points: list[PricePoint], now: float) -> bool:
        changed = self.series.merge(points)
        self.series.forget_before(now)
        if changed:
            self.version += 1
        return changed

    @property
    def known(self) -> bool:
        return len(self.series) > 0

    def market_prices(self, start: float, step_s: float, steps: int, zone: str) -> StepPrices:
        self.last = self.series.steps(start, step_s, steps, zone)
        return self.last

    def import_prices(self, start: float, step_s: float, steps: int, zone: str) -> list[float]:
        """Every step's import price as it was (a backtest's accounting, the optimum)."""
        return self._user_prices(self.market_prices(start, step_s, steps, zone).prices)

    def plan_prices(self, now: float, step_s: float, steps: int, zone: str) -> list[float]:
        """The import prices a plan made at `now` can know: in a replay (`published_hour`), only today's before
        that hour and tomorrow's after it; the rest estimated as live (`last` says which)."""
        known_until = None if self.published_hour is None else published_until(now, self.published_hour, zone)
        self.last = self.series.steps(now, step_s, steps, zone, known_until)
        return self._user_prices(self.last.prices)

    def _user_prices(self, market: list[float]) -> list[float]:
        if isinstance(self.config.feed_in, Formula):
            self._feed_in_now = self.config.feed_in(market=sum(market) / len(market))
        return [self.config.import_formula(market=m) for m in market]

    @property
    def feed_in(self) -> float:
        return self.config.feed_in if isinstance(self.config.feed_in, float) else self._feed_in_now

    @property
    def import_by_hour(self) -> tuple[float, ...]:
        """The dearest known import price for every hour: what the LP prices unmet load above."""
        dearest = max((self.config.import_formula(market=p.price) for p in self.series.points), default=1.0)
        return (dearest,) * HOURS

    @property
    def time_of_use(self) -> bool:
        return True

    def describe(self) -> str:
        feed = self.config.feed_in
        feed_text = f"{feed:g}/kWh" if isinstance(feed, float) else f"= {feed.text}"
        return f"{self.config.source} day-ahead, import = {self.config.import_formula.text}, feed-in {feed_text}"


def published_until(now: float, hour: float, zone: str) -> float:
    """Where day-ahead prices known at `now` end: the end of tomorrow once today's auction result is out
    (`hour`, local), else the end of today."""
    zone_info = zoneinfo.ZoneInfo(zone)
    local = dt.datetime.fromtimestamp(now, zone_info)
    days = 2 if local.hour + local.minute / 60 >= hour else 1
    return dt.datetime.combine(local.date() + dt.timedelta(days=days), dt.time(), zone_info).timestamp()


def load_tariff_file(path: str | Path) -> Any:
    """The tariff a file describes: a MarketTariff for a `[market]` table, else a fixed
    solarctl.optimize.tariff.Tariff (flat or time-of-use)."""
    if market_table(path) is not None:
        return MarketTariff.load(path)
    from solarctl.optimize.tariff import Tariff  # noqa: PLC0415

    return Tariff.load(path)
