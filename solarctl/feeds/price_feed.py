"""The service that keeps a MarketTariff's prices fresh: asks its source for yesterday to the day after
tomorrow on the source's cadence while tomorrow is not yet published, less often once it is."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import httpx

from solarctl.clock import Clock
from solarctl.feeds.feed import Feed
from solarctl.feeds.http import FeedError
from solarctl.feeds.market_tariff import MarketTariff
from solarctl.feeds.price_sources import PriceSource

log = logging.getLogger("solarctl.feeds.prices")

KNOWN_WAIT_FACTOR = 4  # tomorrow is known: ask again after this many cadences (corrections are rare)


class PriceFeed(Feed):
    def __init__(self, tariff: MarketTariff, source: PriceSource, clock: Clock, zone: str,
                 client: httpx.AsyncClient | None = None) -> None:
        super().__init__(clock, client)
        self.tariff, self.source = tariff, source
        self.name, self.cadence_s = source.name, source.cadence_s
        self.zone = zoneinfo.ZoneInfo(zone)

    def _tomorrow_end(self, now: float) -> float:
        today = dt.datetime.fromtimestamp(now, self.zone).date()
        return dt.datetime.combine(today + dt.timedelta(days=2), dt.time(), self.zone).timestamp()

    async def update(self, client: httpx.AsyncClient, now: float) -> float:
        tomorrow_end = self._tomorrow_end(now)
        points = await self.source.fetch(client, now - 86400.0, tomorrow_end, now)
        if not points:
            raise FeedError(f"{self.source.name} answered no prices")
        if self.tariff.update(points, now):
            log.info("%s: prices until %s", self.source.name,
                     dt.datetime.fromtimestamp(self.tariff.series.end or now, self.zone).strftime("%a %H:%M"))
        complete = (self.tariff.series.end or 0.0) >= tomorrow_end
        return self.cadence_s * (KNOWN_WAIT_FACTOR if complete else 1)
