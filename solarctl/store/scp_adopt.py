"""The old SCP database taken over, and its history copied: both through the store's own writer.

Adoption (`solarctl db migrate` on SCP's `scpdata`): each old table is renamed to `<table>_scp_backup_<YYYYMMDD>`
(the backup: the original table itself, its definition, keys and every row untouched), solarctl's schema is
created beside it, and the backups' rows are copied into solarctl's tables of the same names (keys on real
columns, wide text columns, UTC), samples and rollups included. The database is versioned only once the copy
is complete (migrate.py): a copy that fails or is cut short is started over from the backups by the next
`solarctl db migrate`. The import (`solarctl db import-scp-mysql URL`) is the same copy from another database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, insert, inspect, select, text

from solarctl.store import schema
from solarctl.store.rows import epoch_of, ts_of

from solarctl.store.config import StorageConfig
from solarctl.store.records import encode
from solarctl.store.scp_tables import OLD_TABLES, Copied, OldTable, device_names, find_old_tables, old_table, read_samples
from solarctl.store.writer import BatchWriter

log = logging.getLogger("solarctl.store")
BACKUP = "_scp_backup_"


@dataclass
class Adoption:
    """How `migrate.upgrade` adopts an old SCP database: the store's settings, the configured devices
    (name -> driver), the SCP machine's time zone, the backups' date; `reports` says what was copied."""

    storage: StorageConfig
    devices: Mapping[str, str]
    zone: ZoneInfo
    today: date
    now: float = 0.0  # when (epoch s): the adoption record's time
    reports: list[Copied] = field(default_factory=list)


def backups(conn: Connection) -> list[OldTable]:
    """Backups of SCP tables whose copy has not been completed (the database has no solarctl version yet)."""
    found = []
    for name in sorted(inspect(conn).get_table_names()):
        kind, _, day = name.partition(BACKUP)
        if day and kind in OLD_TABLES and (old := old_table(conn, name, kind)):
            found.append(old)
    return found


def set_aside(conn: Connection, today: date) -> list[str]:
    """Rename each old SCP table to its backup name; returns the backup names."""
    renamed = []
    taken = set(inspect(conn).get_table_names())
    for old in find_old_tables(conn):
        backup = f"{old.table}{BACKUP}{today:%Y%m%d}"
        n = 1
        while backup in taken:  # an earlier, unfinished adoption the same day: keep both
            n += 1
            backup = f"{old.table}{BACKUP}{today:%Y%m%d}_{n}"
        q = conn.dialect.identifier_preparer.quote
        conn.execute(text(f"ALTER TABLE {q(old.table)} RENAME TO {q(backup)}"))
        taken.add(backup)
        renamed.append(backup)
    return renamed


def copy_history(source: Connection, tables: list[OldTable], target: Engine, storage: StorageConfig,
                 configured: Mapping[str, str], zone: ZoneInfo) -> list[Copied]:
    """Every row of `tables` (read from `source`) into the store at `target`, in batches of [storage] batch_size."""
    plans = [(old, device_names(source, old, dict(configured))) for old in tables]
    drivers = {**configured, **{device: old.driver for old, names in plans for device in names.values()}}
    writer = BatchWriter(target, drivers, storage)
    reports = []
    for old, names in plans:
        report = Copied(old.table, devices=names, kind=old.kind)
        batch = []
        for sample in read_samples(source, old, zone, names, report):
            batch.append(encode(sample)[1])
            if len(batch) >= storage.batch_size:
                writer.write(batch)
                batch = []
        writer.write(batch)
        log.info("%s", report.describe())
        reports.append(report)
    return reports


def record(engine: Engine, reports: list[Copied], zone: ZoneInfo, now: float, kept_in: str | None = None) -> None:
    """Note what was adopted (`scp_adoption`): retention keeps out of it unless [storage] prune_adopted is set.

    `kept_in` names the database an import (`db import-scp-mysql`) read the old tables from (they stay there
    unchanged); None for an adoption in place, whose old tables are the backups. A later import never narrows
    what an earlier one protects: the newest adopted row of a table only moves forward."""
    table = schema.scp_adoption
    with engine.begin() as conn:
        for report in reports:
            before = conn.execute(select(table.c.newest).where(table.c.source_table == report.kind)).scalar()
            newest = None if report.newest is None else ts_of(report.newest)
            if before is not None and (newest is None or before > newest):
                newest = before
            kept = report.table if kept_in is None else f"{kept_in}.{report.table}"[:schema.NAME]
            conn.execute(delete(table).where(table.c.source_table == report.kind))
            conn.execute(insert(table).values(
                source_table=report.kind, backup_table=kept, adopted_at=ts_of(now), timezone=zone.key,
                rows=report.rows, newest=newest))


def boundary(conn: Connection) -> float | None:
    """The newest adopted row's time (epoch s): rows up to it came from SCP. None if nothing was adopted."""
    newest = conn.execute(select(func.max(schema.scp_adoption.c.newest))).scalar()
    return None if newest is None else epoch_of(newest)
