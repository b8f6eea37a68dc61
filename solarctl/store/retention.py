"""Delete raw rows and 1-minute rollups past their retention; hourly rollups and daily energy stay.

Deletes go a day at a time so no transaction holds locks for long on a big MySQL/PostgreSQL table.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, Table, delete, func, select

from solarctl.store import schema
from solarctl.store.config import StorageConfig
from solarctl.store.rows import ts_of

DAY = 86400


def prune(engine: Engine, storage: StorageConfig, now: float) -> dict[str, int]:
    """Delete what is past retention at `now` (epoch s); returns rows deleted per table."""
    plan: list[tuple[Table, str, float]] = []
    if storage.raw_retention_days:
        plan += [(t, "ts", storage.raw_retention_days) for t in schema.RAW_TABLES]
    if storage.rollup_1m_retention_days:
        plan.append((schema.rollup_1m, "bucket", storage.rollup_1m_retention_days))
    deleted = {}
    for table, column, days in plan:
        deleted[table.name] = _delete_before(engine, table, column, ts_of(now - days * DAY))
    return deleted


def _delete_before(engine: Engine, table: Table, column: str, cutoff) -> int:
    col = table.c[column]
    with engine.connect() as conn:
        oldest = conn.execute(select(func.min(col))).scalar()
    total = 0
    while oldest is not None and oldest < cutoff:
        step = min(cutoff, oldest + timedelta(days=1))
        with engine.begin() as conn:
            total += conn.execute(delete(table).where(col < step)).rowcount or 0
        oldest = step
    return total
