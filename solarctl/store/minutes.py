"""The installation's stored minutes, read only: what `simulate --load db` / `--weather db` replay and what
`solarctl plan` (without a daemon) makes its forecast from.

They are the `rollup_1m` rows of the device `(installation)` (energy.py): per minute the summed mean power of
each role (`pv_power`, `load_power`, `grid_power`, `battery_power`, W) and the batteries' mean `soc` (%),
never the raw samples. Nothing here writes: a SQLite file that is not there is "no history", not a new file.
"""

from __future__ import annotations

from typing import Any, Sequence

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, Row, Select, exc, func, inspect, select

from solarctl.store.config import StoreSite
from solarctl.store import schema
from solarctl.store.energy import INSTALLATION
from solarctl.store.engine import StoreError, database_url, explain, make_engine, masked
from solarctl.store.rows import epoch_of, ts_of

METRICS = ("pv_power", "load_power", "grid_power", "battery_power", "soc")


class NoHistory(StoreError):
    """The database holds no installation minutes (or there is no database yet), as one sentence."""


@contextlib.contextmanager
def stored_minutes(config: StoreSite) -> Iterator["StoredMinutes"]:
    """The configured database's installation minutes; NoHistory when it has none, StoreError when it is away."""
    url = database_url(config)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).expanduser().is_file():
        raise NoHistory(f"no database at {url.database} (the daemon creates it when it first stores a sample)")
    engine = make_engine(url)
    try:
        try:
            if not inspect(engine).has_table(schema.rollup_1m.name):
                raise NoHistory(f"database {masked(url)} has no minute rollups yet (no table {schema.rollup_1m.name})")
        except exc.DBAPIError as error:
            raise explain(error, url) from None
        yield StoredMinutes(engine)
    finally:
        engine.dispose()


class StoredMinutes:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.where = masked(engine.url)

    def _run(self, query: Select[Any]) -> Sequence[Any]:
        try:
            with self.engine.connect() as conn:
                return conn.execute(query).all()
        except exc.DBAPIError as error:
            raise explain(error, self.engine.url) from None

    def span(self, metric: str) -> tuple[float, float] | None:
        """(first minute's start, last minute's end) in epoch seconds of `metric`, or None when none is stored."""
        m = schema.rollup_1m
        ((lo, hi),) = self._run(select(func.min(m.c.bucket), func.max(m.c.bucket))
                                .where(m.c.device == INSTALLATION, m.c.metric == metric))
        return None if lo is None else (epoch_of(lo), epoch_of(hi) + 60.0)

    def series(self, metric: str, lo: float, hi: float) -> list[tuple[float, float]]:
        """[(minute start, mean)] of `metric` for the minutes starting in [lo, hi), in time order."""
        m = schema.rollup_1m
        rows = self._run(select(m.c.bucket, m.c.mean)
                         .where(m.c.device == INSTALLATION, m.c.metric == metric,
                                m.c.bucket >= ts_of(lo), m.c.bucket < ts_of(hi))
                         .order_by(m.c.bucket))
        return [(epoch_of(bucket), float(mean)) for bucket, mean in rows if mean is not None]

    def latest(self, metrics: tuple[str, ...] = METRICS) -> dict[str, tuple[float, float]]:
        """Each metric's newest stored minute: metric -> (minute start, mean); metrics never stored left out."""
        m = schema.rollup_1m
        out = {}
        for metric in metrics:
            rows = self._run(select(m.c.bucket, m.c.mean)
                             .where(m.c.device == INSTALLATION, m.c.metric == metric, m.c.mean.is_not(None))
                             .order_by(m.c.bucket.desc()).limit(1))
            if rows:
                out[metric] = (epoch_of(rows[0][0]), float(rows[0][1]))
        return out
