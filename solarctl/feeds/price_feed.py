"""The service that keeps a MarketTariff's prices fresh: asks its source for yesterday to the day after
tomorrow on the source's cadence while tomorrow is not yet published, less often once it is; a failure backs
off (doubling from a minute up to the cadence, or what a 429's Retry-After asks), a refused key waits hours
and says so. `status()` is its health; `failing_for(now)` feeds the strategy's alert."""

from __future__ import annotations

import logging
import zoneinfo
import datetime as dt
from dataclasses import dataclass

import httpx

from solarctl.clock import Clock
from solarctl.feeds.http import FeedError
from solarctl.feeds.market_tariff import MarketTariff
from solarctl.feeds.price_sources import PriceSource

log = logging.getLogger("solarctl.feeds.prices")

FIRST_BACKOFF_S = 60.0
AUTH_WAIT_S = 6 * 3600.0
KNOWN_WAIT_FACTOR = 4  # tomorrow is known: ask again after this many cadences (corrections are rare)


@dataclass
class FeedStatus:
    state: str = "starting"  # ok | failing | refused
    last_ok: float | None = None
    failing_since: float | None = None
    last_error: str = ""
    prices_until: float | None = None


class PriceFeed:
    def __init__(self, tariff: MarketTariff, source: PriceSource, clock: Clock, zone: str,
                 client: httpx.AsyncClient | None = None) -> None:
        self.tariff, self.source, self.clock = tariff, source, clock
        self.zone = zoneinfo.ZoneInfo(zone)
        self.client = client  # tests pass one bound to the fake server; the daemon's is made in `run`
        self.status = FeedStatus()
        self._backoff = FIRST_BACKOFF_S

    async def run(self) -> None:
        if self.client is not None:
            await self._loop(self.client)
            return
        async with httpx.AsyncClient(headers={"User-Agent": "solarctl"}) as client:
            await self._loop(client)

    async def _loop(self, client: httpx.AsyncClient) -> None:
        while True:
            await self.clock.sleep(await self.refresh(client))

    def _tomorrow_end(self, now: float) -> float:
        today = dt.datetime.fromtimestamp(now, self.zone).date()
        return dt.datetime.combine(today + dt.timedelta(days=2), dt.time(), self.zone).timestamp()

    async def refresh(self, client: httpx.AsyncClient) -> float:
        """One fetch; the seconds to wait before the next."""
        now = self.clock.time()
        tomorrow_end = self._tomorrow_end(now)
        try:
            points = await self.source.fetch(client, now - 86400.0, tomorrow_end, now)
        except FeedError as exc:
            return self._failed(now, exc)
        if not points:
            return self._failed(now, FeedError(f"{self.source.name} answered no prices"))
        if self.tariff.update(points, now):
            log.info("%s: prices until %s", self.source.name,
                     dt.datetime.fromtimestamp(self.tariff.series.end or now, self.zone).strftime("%a %H:%M"))
        if self.status.state != "ok" and self.status.failing_since is not None:
            log.info("%s: prices again after %.0f s", self.source.name, now - self.status.failing_since)
        self.status = FeedStatus("ok", now, None, "", self.tariff.series.end)
        self._backoff = FIRST_BACKOFF_S
        complete = (self.tariff.series.end or 0.0) >= tomorrow_end
        return self.source.cadence_s * (KNOWN_WAIT_FACTOR if complete else 1)

    def _failed(self, now: float, exc: FeedError) -> float:
        first = self.status.failing_since is None
        self.status.state = "refused" if exc.auth else "failing"
        self.status.failing_since = now if first else self.status.failing_since
        self.status.last_error = str(exc)
        if first:
            log.warning("%s", exc)
        if exc.auth:
            return AUTH_WAIT_S
        wait = exc.retry_after if exc.retry_after is not None else self._backoff
        self._backoff = min(self.source.cadence_s, self._backoff * 2)
        return max(wait, FIRST_BACKOFF_S)

    def failing_for(self, now: float) -> float:
        """Seconds the feed has been failing (0 when it is not)."""
        since = self.status.failing_since
        return 0.0 if since is None else now - since
