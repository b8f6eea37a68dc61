"""The whole database in one file, and back: every table of the schema, row by row (`solarctl db backup --all`,
`solarctl db restore FILE`).

The daily backups (backup.py) hold a day's samples and failed polls, from which the writer rebuilds what derives
from them; a whole-database backup also brings back what does not derive from samples (the audit, alerts, the
adoption record) and what would need the configuration to rebuild (device tables, cells, rollups, daily energy).
One gzip'd JSON line per row, after a header line naming the schema version and the tables; restoring upserts by
primary key, so restoring twice stores once.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Iterator

from sqlalchemy import Date, DateTime, Engine, Table, select

from solarctl.store import schema, schema_version
from solarctl.store.engine import StoreError
from solarctl.store.upsert import upsert

MARK = "solarctl_database_backup"


def dump_path(directory: Path, day: date) -> Path:
    return Path(directory) / f"solarctl-all-{day.isoformat()}.jsonl.gz"


def dump(engine: Engine, path: Path) -> dict[str, int]:
    """Write every table's rows to `path` (replacing it once complete); returns rows per table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    counts: dict[str, int] = {}
    tables = schema.metadata.sorted_tables
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as out, engine.connect() as conn:
        out.write(json.dumps({MARK: 1, "schema": schema_version.HEAD, "tables": [t.name for t in tables]}) + "\n")
        for table in tables:
            counts[table.name] = 0
            # One streamed query at a time (MySQL allows no other on the connection while one is open).
            for row in conn.execution_options(yield_per=5000).execute(select(table)).mappings():
                out.write(json.dumps({"t": table.name, "r": {k: _out(v) for k, v in row.items()}}) + "\n")
                counts[table.name] += 1
    os.replace(tmp, path)
    return counts


def is_dump(path: Path) -> bool:
    """The file starts like a whole-database backup (a daily backup or anything else does not)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return MARK in json.loads(f.readline() or "{}")
    except (OSError, EOFError, zlib.error, ValueError, UnicodeDecodeError, TypeError):
        return False


def restore_dump(engine: Engine, path: Path, batch_size: int = 2000) -> dict[str, int]:
    """Upsert every row of a whole-database backup; returns rows per table."""
    counts: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = json.loads(f.readline())
        if header.get("schema") != schema_version.HEAD:
            raise StoreError(f"{path} was written by schema version {header.get('schema')}; this solarctl has "
                             f"{schema_version.HEAD}: restore it with the solarctl that wrote it")
        pending: dict[str, list[dict[str, Any]]] = {}
        for table, row in _rows(f, path):
            rows = pending.setdefault(table.name, [])
            rows.append(row)
            if len(rows) >= batch_size:
                _write(engine, table, rows, counts)
                pending[table.name] = []
        for name, rows in pending.items():
            _write(engine, schema.metadata.tables[name], rows, counts)
    return counts


def _rows(f: IO[str], path: Path) -> Iterator[tuple[Table, dict[str, Any]]]:
    for number, line in enumerate(f, 2):
        try:
            entry = json.loads(line)
            table = schema.metadata.tables[entry["t"]]
            yield table, {k: _in(table, k, v) for k, v in entry["r"].items()}
        except (ValueError, KeyError, TypeError):
            raise StoreError(f"{path}: line {number} is no row of this schema; the file is damaged") from None


def _write(engine: Engine, table: Table, rows: list[dict[str, Any]], counts: dict[str, int]) -> None:
    if rows:
        with engine.begin() as conn:
            upsert(conn, table, rows)
    counts[table.name] = counts.get(table.name, 0) + len(rows)


def _out(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _in(table: Table, column: str, value: Any) -> Any:
    kind = table.c[column].type
    if value is None:
        return None
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value
