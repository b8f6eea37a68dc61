"""History for the page's charts and energy table, from the store's rollups (never the raw samples):
a day from the minute rollup, longer periods from the hourly one. Queries run off the event loop."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from solarctl.store import schema
from solarctl.store.energy import day_bounds
from solarctl.store.rows import epoch_of

Period = Literal["day", "week", "month", "year"]
DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}


class History:
    def __init__(self, engine: Engine, timezone: str) -> None:
        self.engine = engine
        self.zone = ZoneInfo(timezone)

    async def series(self, device: str, metric: str, period: Period, end_day: date) -> list[list[float | None]]:
        """[[epoch_s, minimum, mean, maximum], …] over the `period` ending with local day `end_day`."""
        return await asyncio.to_thread(self._series, device, metric, period, end_day)

    async def energy(self, first: date, last: date) -> list[dict]:
        return await asyncio.to_thread(self._energy, first, last)

    def _series(self, device: str, metric: str, period: Period, end_day: date) -> list[list[float | None]]:
        table = schema.rollup_1m if period == "day" else schema.rollup_1h
        start, _ = day_bounds(end_day - timedelta(days=DAYS[period] - 1), self.zone)
        _, end = day_bounds(end_day, self.zone)
        query = (select(table.c.bucket, table.c.minimum, table.c.mean, table.c.maximum)
                 .where(table.c.device == device, table.c.metric == metric, table.c.bucket >= start,
                        table.c.bucket < end)
                 .order_by(table.c.bucket))
        with self.engine.connect() as conn:
            return [[epoch_of(row.bucket), row.minimum, row.mean, row.maximum] for row in conn.execute(query)]

    def _energy(self, first: date, last: date) -> list[dict]:
        table = schema.energy_daily
        query = select(table).where(table.c.day >= first, table.c.day <= last).order_by(table.c.day)
        with self.engine.connect() as conn:
            return [{**row._mapping, "day": row.day.isoformat()} for row in conn.execute(query)]
