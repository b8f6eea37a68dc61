"""Daily compressed backups (replacing the old backup_stats.sh) and restoring them.

One file per local day, <backup_dir>/solarctl-YYYY-MM-DD.log.gz: the day's raw samples and failed polls in
the spool's line format. Every other table derives from these, so restoring a file (into any engine)
rebuilds the device tables, rollups and daily energy through the normal writer. Files older than
backup_keep_days are deleted.
"""

from __future__ import annotations

import gzip
import heapq
import json
import logging
import os
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from solarctl.sample import PollError, Sample
from solarctl.private_files import open_private, private_dir
from solarctl.store import records, schema
from solarctl.store.config import StorageConfig
from solarctl.store.engine import StoreError
from solarctl.store.energy import day_bounds
from solarctl.store.rows import epoch_of
from solarctl.store.writer import BatchWriter

log = logging.getLogger(__name__)
PREFIX = "solarctl-"


def backup_path(directory: Path, day: date) -> Path:
    return Path(directory) / f"{PREFIX}{day.isoformat()}.log.gz"


def backup_day(engine: Engine, directory: Path, day: date, zone: ZoneInfo) -> tuple[Path, int]:
    """Write the day's backup file (replacing an older one); returns its path and the number of events."""
    path = backup_path(directory, day)
    private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    count = 0
    with os.fdopen(open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as raw, \
            gzip.open(raw, "wb", compresslevel=9) as out:
        for event in _events(engine, *day_bounds(day, zone)):
            out.write(records.encode(event)[0])
            count += 1
    os.replace(tmp, path)
    return path, count


def _events(engine: Engine, lo, hi) -> Iterator[Sample | PollError]:
    s, h, m = schema.sample, schema.device_health, schema.metric
    with engine.connect() as conn:
        units: dict[str, dict[str, str]] = {}
        for device, metric, unit in conn.execute(select(m.c.device, m.c.metric, m.c.unit)):
            units.setdefault(device, {})[metric] = unit
        errors = [PollError(dev, epoch_of(ts), reason or "") for dev, ts, reason in conn.execute(
            select(h.c.device, h.c.ts, h.c.reason).where(h.c.ok.is_(False), h.c.ts >= lo, h.c.ts < hi).order_by(h.c.ts, h.c.device))]
        # Streamed last: MySQL allows no other query on the connection while a streamed result is open.
        streamed = conn.execution_options(yield_per=5000)
        samples = (
            Sample(dev, epoch_of(ts), json.loads(data), units.get(dev, {}), tuple(json.loads(alarms)) if alarms else ())
            for dev, ts, data, alarms in streamed.execute(
                select(s.c.device, s.c.ts, s.c.data, s.c.alarms).where(s.c.ts >= lo, s.c.ts < hi).order_by(s.c.ts, s.c.device))
        )
        yield from heapq.merge(samples, errors, key=lambda e: (e.timestamp, e.device))


def daily(engine: Engine, directory: Path, day: date, storage: StorageConfig) -> Path | None:
    """The daemon's job: back up `day` once, and delete backups past backup_keep_days."""
    path = backup_path(directory, day)
    made = None
    if not path.exists():
        made, count = backup_day(engine, directory, day, ZoneInfo(storage.timezone))
        log.info("storage: backed up %d events of %s to %s", count, day, made)
    oldest = day - timedelta(days=storage.backup_keep_days)
    for old in Path(directory).glob(f"{PREFIX}*.log.gz"):
        try:
            if date.fromisoformat(old.name[len(PREFIX): len(PREFIX) + 10]) < oldest:
                old.unlink()
        except ValueError:
            continue
    return made


def _lines(f, path: Path) -> Iterator[bytes]:
    try:
        yield from f
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise StoreError(f"{path} is not a solarctl backup (not a whole gzip file)") from None


def restore(writer: BatchWriter, path: Path, batch_size: int = 2000) -> int:
    """Write a backup file's events through the writer (idempotent: restoring twice stores once)."""
    count = 0
    batch: list[records.Record] = []
    with gzip.open(path, "rb") as f:
        for number, line in enumerate(_lines(f, path), 1):
            try:
                batch.append(records.decode(line))
            except (ValueError, IndexError, TypeError, UnicodeDecodeError):
                raise StoreError(f"{path} is not a solarctl backup: line {number} is no backup record") from None
            if len(batch) >= batch_size:
                writer.write(batch)
                count += len(batch)
                batch = []
    writer.write(batch)
    return count + len(batch)
