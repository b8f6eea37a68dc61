"""Past day-ahead prices from a CSV file, for replaying them in a backtest (`solarctl simulate --prices`).

Two columns with a header: the interval's start and its price. The header of the price column says the unit:
`price_per_kwh` or `price_per_mwh` (a market's EUR/MWh). Times are ISO 8601; a time without a UTC offset is
local wall time in the site's zone: on the day the clocks go back the repeated hour comes twice (the first is
the summer-time one), on the day they go forward the skipped hour is absent or has an empty price. Each
interval lasts until the next start (the last one as long as the one before)."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from pathlib import Path

from solarctl.feeds.formula import Formula
from solarctl.feeds.market_tariff import MarketConfig, MarketTariff, market_table
from solarctl.feeds.price_series import PricePoint

SCALES = {"price_per_kwh": 1.0, "price_per_mwh": 0.001}
MAX_ROWS = 400_000  # a year of quarter hours is 35 040


class PriceCsvError(ValueError):
    """A price file that cannot be used, as one sentence."""


def load_price_csv(path: str | Path, zone: str) -> list[PricePoint]:
    zone_info = zoneinfo.ZoneInfo(zone)
    try:
        with open(path, newline="", encoding="utf-8") as src:
            rows = list(csv.reader(line for line in src if not line.startswith("#")))
    except OSError as exc:
        raise PriceCsvError(f"cannot read the price file {path}: {exc.strerror}") from None
    if not rows or len(rows[0]) < 2 or rows[0][1].strip() not in SCALES:
        raise PriceCsvError(f"price file {path}: the first line must be a header `time,price_per_kwh` or "
                            "`time,price_per_mwh`")
    if len(rows) > MAX_ROWS:
        raise PriceCsvError(f"price file {path}: more than {MAX_ROWS} rows")
    scale = SCALES[rows[0][1].strip()]
    starts: list[float] = []
    prices: list[float] = []
    previous: dt.datetime | None = None
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        try:
            when = dt.datetime.fromisoformat(row[0].strip().replace("Z", "+00:00"))
        except ValueError:
            raise PriceCsvError(f"price file {path} line {number}: time {row[0]!r} is not ISO 8601") from None
        if when.tzinfo is None:
            # the second of two equal wall times is the hour after the clocks went back
            local = when.replace(tzinfo=zone_info, fold=1 if previous == when else 0)
            previous = when
            when = local
        text = row[1].strip() if len(row) > 1 else ""
        if text == "":
            continue  # no price (the hour the clocks skip): the interval before lasts until the next start
        try:
            prices.append(float(text) * scale)
        except ValueError:
            raise PriceCsvError(f"price file {path} line {number}: price {text!r} is not a number") from None
        starts.append(when.timestamp())
    if len(starts) < 2 or any(b <= a for a, b in zip(starts, starts[1:])):
        raise PriceCsvError(f"price file {path}: needs at least two rows with times in increasing order")
    # each lasts until the next, but no longer than the file's resolution: a gap between stretches stays a gap
    resolution = min(b - a for a, b in zip(starts, starts[1:]))
    ends = [min(b, a + resolution) for a, b in zip(starts, starts[1:])] + [starts[-1] + resolution]
    return [PricePoint(s, e, p) for s, e, p in zip(starts, ends, prices)]


def replay_tariff(prices_csv: str | Path, tariff_file: str | Path | None, zone: str, published_hour: float = 13.0,
                  default_feed_in: float = 0.0) -> MarketTariff:
    """A MarketTariff on past prices: the user's formula and fixed feed-in from the tariff file's [market] table
    (its service is not asked), or the market price as it is; the strategy learns each day's prices only
    once the auction has published them (`published_hour`, local: EPEX's day-ahead results come ~12:45 CET)."""
    table = market_table(tariff_file) if tariff_file is not None else None
    if tariff_file is not None and table is None:
        raise PriceCsvError(f"--prices replays market prices: the tariff file {tariff_file} needs a [market] table "
                            "(its import_price formula and feed_in), not fixed prices")
    config = (MarketConfig.from_table(table, tariff_file) if table is not None and tariff_file is not None
              else MarketConfig("csv", {}, Formula("market"), default_feed_in))
    if isinstance(config.feed_in, Formula):
        raise PriceCsvError("with --prices the backtest counts export at one price: give [market] feed_in as a "
                            "number, not a formula")
    tariff = MarketTariff(config, published_hour=published_hour)
    tariff.series.merge(load_price_csv(prices_csv, zone))
    return tariff


def check_covers(tariff: MarketTariff, start: float, seconds: float, path: str | Path) -> None:
    """Refuse a backtest span the price file does not cover (an estimated price is no replay)."""
    steps = tariff.series.steps(start, 3600.0, max(1, round(seconds / 3600)), "UTC")
    if any(steps.estimated):
        first = start + 3600.0 * steps.estimated.index(True)
        raise PriceCsvError(f"price file {path} has no price for {dt.datetime.fromtimestamp(first, dt.timezone.utc):%Y-%m-%d %H:%M} "
                            "UTC; choose --start and --days within the file's span")
