"""The PV forecast a service gives, kept fresh by a feed and cached on disk (a private file the daemon owns,
replaced whole: written to a temporary name, synced, renamed), so a restart plans on the last forecast
while the service is asked again. `watts(middles)` gives each plan step's PV or None where the forecast has
nothing (the strategy's own forecast then), and `source_of` says which."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import httpx

from solarctl.clock import Clock
from solarctl.feeds.feed import Feed
from solarctl.feeds.http import FeedError
from solarctl.feeds.pv_sources import PvSource, Sample, interpolate
from solarctl.private_files import open_private, private_dir

log = logging.getLogger("solarctl.feeds.pv")

MAX_AGE_S = 36 * 3600.0  # a forecast older than this is no forecast: the local one plans instead
MAX_CACHE_BYTES = 1_000_000


class PvForecast(Feed):
    def __init__(self, source: PvSource, clock: Clock, cache: Path | None = None,
                 client: httpx.AsyncClient | None = None) -> None:
        super().__init__(clock, client)
        self.source, self.cache = source, cache
        self.name, self.cadence_s = source.name, source.cadence_s
        self.samples: list[Sample] = []
        self.fetched_at: float | None = None
        if cache is not None:
            self._load(cache)

    async def update(self, client: httpx.AsyncClient, now: float) -> float:
        samples = await self.source.fetch(client, now)
        if not samples:
            raise FeedError(f"{self.source.name} answered no forecast")
        self.samples, self.fetched_at = sorted(samples), now
        if self.cache is not None:
            self._save(self.cache)
        return self.cadence_s

    def watts(self, middles: list[float], now: float) -> list[float | None]:
        """PV W at each time, None where the forecast has nothing or is too old to trust."""
        if self.fetched_at is None or now - self.fetched_at > MAX_AGE_S:
            return [None] * len(middles)
        return [None if (w := interpolate(self.samples, t)) is None else max(0.0, w) for t in middles]

    def _save(self, path: Path) -> None:
        private_dir(path.parent)
        temporary = path.with_name(path.name + ".tmp")
        fd = open_private(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"source": self.source.name, "fetched_at": self.fetched_at, "samples": self.samples}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)

    def _load(self, path: Path) -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as src:
                data = json.loads(src.read(MAX_CACHE_BYTES + 1)[:MAX_CACHE_BYTES])
            if data["source"] != self.source.name:
                return  # another service's forecast: not ours to trust
            samples = [(float(t), float(w)) for t, w in data["samples"]]
            self.samples, self.fetched_at = sorted(samples), float(data["fetched_at"])
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("PV forecast cache %s unreadable (%s): asking %s afresh", path, exc, self.source.name)
