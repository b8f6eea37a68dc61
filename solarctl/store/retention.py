"""Delete raw rows and 1-minute rollups past their retention; hourly rollups and daily energy stay.

History adopted from SCP (`solarctl db migrate` or `db import-scp-mysql`: every row up to the newest adopted one, `scp_adoption`) is never
deleted unless [storage] prune_adopted says so: the old Grafana reads it, and the user did not ask.

Deletes go a day at a time so no transaction holds locks for long on a big MySQL/PostgreSQL table.
"""

from __future__ import annotations

from typing import Any

from datetime import timedelta

from sqlalchemy import Engine, Table, delete, func, select

from solarctl.store import schema
from solarctl.store.config import StorageConfig
from solarctl.store.rows import ts_of
from solarctl.store.scp_adopt import boundary

DAY = 86400


def prune(engine: Engine, storage: StorageConfig, now: float) -> dict[str, int]:
    """Delete what is past retention at `now` (epoch s); returns rows deleted per table."""
    plan: list[tuple[Table, str, float]] = []
    if storage.raw_retention_days:
        plan += [(t, "ts", storage.raw_retention_days) for t in schema.RAW_TABLES]
    if storage.rollup_1m_retention_days:
        plan.append((schema.rollup_1m, "bucket", storage.rollup_1m_retention_days))
    deleted: dict[str, int] = {}
    if not plan:
        return deleted
    keep = None if storage.prune_adopted else adopted_until(engine)
    for table, column, days in plan:
        deleted[table.name] = _delete_before(engine, table, column, ts_of(now - days * DAY), keep)
    return deleted


def adopted_until(engine: Engine) -> float | None:
    """The newest adopted SCP row's time (epoch s); None when nothing was adopted."""
    with engine.connect() as conn:
        return boundary(conn)


def _delete_before(engine: Engine, table: Table, column: str, cutoff: Any, keep: float | None) -> int:
    """Delete rows older than `cutoff`, but none at or before `keep` (adopted history)."""
    col = table.c[column]
    floor = None if keep is None else ts_of(keep)
    with engine.connect() as conn:
        query = select(func.min(col))
        oldest = conn.execute(query if floor is None else query.where(col > floor)).scalar()
    total = 0
    while oldest is not None and oldest < cutoff:
        step = min(cutoff, oldest + timedelta(days=1))
        where = col < step if floor is None else (col < step) & (col > floor)
        with engine.begin() as conn:
            total += conn.execute(delete(table).where(where)).rowcount or 0
        oldest = step
    return total
