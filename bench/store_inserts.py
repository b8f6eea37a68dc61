"""Sustained insert rate of the storage path, per engine: `python bench/store_inserts.py [--samples N]`.

Measures what the daemon gets: SampleStore.submit() of a 4-device installation's samples (XW 30 values,
two MPPTs 15 values, a 6-module Pylontech stack), journaled to the spool with fsync, written in batches with
all device tables, the JSON sample row, 1-minute and 1-hour rollups and the daily energy, until flush()
reports everything committed. Nothing is asserted. Prints, per engine, over the time from the first submit()
to everything committed:
  samples/s  samples (device polls) stored;
  values/s   the values those samples carry (every value of a sample, a Pylontech module's values each);
  rows/s     rows added to all tables together (sample, device tables, rollups, daily energy), counted in
             the database before and after.
With --rate R the samples are offered at R per second (as polling would): the rate is sustained if the
database is done soon after the last one.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from store_common import DRIVERS, load_servers, poll

from solarctl.config import validate_config
from solarctl.store import schema
from solarctl.store.engine import make_engine
from solarctl.store.store import SampleStore


def value_count(sample) -> int:
    """The values a sample carries: its top-level values, a list of dicts (Pylontech modules) counted value by value."""
    return sum(sum(len(m) for m in v) if isinstance(v, list) and v and isinstance(v[0], dict) else 1 for v in sample.values.values())


def row_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        total = sum(conn.execute(select(func.count()).select_from(t)).scalar() for t in schema.metadata.sorted_tables)
    engine.dispose()
    return total


async def measure(url: str, data_dir: Path, n: int, batch: int, rate: float | None = None) -> tuple[float, float, float, float]:
    cfg = validate_config({"general": {"data_dir": str(data_dir)},
                           "storage": {"url": url, "batch_size": batch, "flush_interval": 0.01, "spool_max_mb": 4096,
                                       # The samples are from 2024: retention would prune them in the middle of the run.
                                       "raw_retention_days": 0, "rollup_1m_retention_days": 0}})
    store = SampleStore(cfg, drivers=DRIVERS, inbox_limit=n + 10)
    await store.start()
    for s in poll(10**7):  # warm up: migrations, connections
        store.submit(s)
    await store.flush(120)
    rows_before = row_count(url)
    polls = n // 4
    started = time.perf_counter()
    for i in range(polls):
        for s in poll(i):
            store.submit(s)
        if i % 250 == 0:  # let the journal and database tasks run, as the daemon's polling would
            ahead = started + i * 4 / rate - time.perf_counter() if rate else 0.0
            await asyncio.sleep(max(0.0, ahead))
    submitted = time.perf_counter() - started
    assert await store.flush(3600)
    elapsed = time.perf_counter() - started
    if rate:
        print(f"      offered {rate:,.0f}/s: database done {elapsed - submitted:.2f} s after the last submit")
    await store.stop()
    rows = row_count(url) - rows_before
    values = sum(value_count(s) for i in range(polls) for s in poll(i))  # counted outside the timed part
    return polls * 4 / elapsed, values / elapsed, rows / elapsed, polls * 4 / submitted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=5000, help="[storage] batch_size")
    ap.add_argument("--mysql-url", help="use this MariaDB/MySQL database instead of starting a server")
    ap.add_argument("--postgres-url", help="use this PostgreSQL database instead of starting a server")
    ap.add_argument("--engines", default="sqlite,mariadb,postgresql")
    ap.add_argument("--rate", type=float, help="offer samples at this rate (per s) instead of as fast as possible")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="solarctl-bench-"))
    servers = load_servers()
    started = []
    print(f"{args.samples} samples (4 devices at 10 s, {args.samples // 4} polls), batch {args.batch}")
    for engine in args.engines.split(","):
        if engine == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        elif engine == "mariadb":
            if not args.mysql_url:
                started.append(server := servers.MariaDB(tmp / "mariadb"))
            url = args.mysql_url or server.new_database()
        else:
            if not args.postgres_url:
                started.append(server := servers.Postgres())
            url = args.postgres_url or server.new_database()
        rate, values, rows, submit_rate = asyncio.run(measure(url, tmp / engine, args.samples, args.batch, args.rate))
        print(f"{engine:>10}: {rate:>9,.0f} samples/s  {values:>11,.0f} values/s  {rows:>9,.0f} rows/s   sustained into the database"
              f"   (submit() alone: {submit_rate:,.0f} samples/s)", flush=True)
    for server in started:
        server.stop()


if __name__ == "__main__":
    main()
