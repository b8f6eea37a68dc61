"""What every service feed shares: a loop that asks on the service's cadence, backs off on failure (doubling
from a minute up to the cadence, or what a 429's Retry-After asks), waits hours after a refused key and says
so once per episode; `status` is its health, `failing_for(now)` feeds the strategy's alert."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass

import httpx

from solarctl.clock import Clock
from solarctl.feeds.http import FeedError

log = logging.getLogger("solarctl.feeds")

FIRST_BACKOFF_S = 60.0
AUTH_WAIT_S = 6 * 3600.0


@dataclass
class FeedStatus:
    state: str = "starting"  # ok | failing | refused
    last_ok: float | None = None
    failing_since: float | None = None
    last_error: str = ""


class Feed(ABC):
    name: str
    cadence_s: float

    def __init__(self, clock: Clock, client: httpx.AsyncClient | None = None) -> None:
        self.clock = clock
        self.client = client  # tests pass one; the daemon's is made in `run`
        self.status = FeedStatus()
        self._backoff = FIRST_BACKOFF_S

    @abstractmethod
    async def update(self, client: httpx.AsyncClient, now: float) -> float:
        """Fetch and take in the service's answer; the seconds until the next fetch. FeedError on failure."""

    async def run(self) -> None:
        if self.client is not None:
            await self._loop(self.client)
            return
        async with httpx.AsyncClient(headers={"User-Agent": "solarctl"}) as client:
            await self._loop(client)

    async def _loop(self, client: httpx.AsyncClient) -> None:
        while True:
            await self.clock.sleep(await self.refresh(client))

    async def refresh(self, client: httpx.AsyncClient) -> float:
        """One fetch; the seconds to wait before the next."""
        now = self.clock.time()
        try:
            wait = await self.update(client, now)
        except FeedError as exc:
            return self._failed(now, exc)
        if self.status.failing_since is not None:
            log.info("%s: answering again after %.0f s", self.name, now - self.status.failing_since)
        self.status = FeedStatus("ok", now)
        self._backoff = FIRST_BACKOFF_S
        return wait

    def _failed(self, now: float, exc: FeedError) -> float:
        if self.status.failing_since is None:
            self.status.failing_since = now
            log.warning("%s", exc)
        self.status.state = "refused" if exc.auth else "failing"
        self.status.last_error = str(exc)
        if exc.auth:
            return AUTH_WAIT_S
        wait = exc.retry_after if exc.retry_after is not None else self._backoff
        self._backoff = min(self.cadence_s, self._backoff * 2)
        return max(wait, FIRST_BACKOFF_S)

    def failing_for(self, now: float) -> float:
        """Seconds the feed has been failing (0 when it is not)."""
        since = self.status.failing_since
        return 0.0 if since is None else now - since
