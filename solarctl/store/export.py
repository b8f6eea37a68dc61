"""`solarctl db export`: a time range of one table to CSV or Parquet.

`samples` (the default) is flattened: one row per sample with ts (UTC), device, and one column per
top-level metric seen in the range (numbers as floats, text as text; lists and module tables as JSON text).
Other tables (rollup_1m, rollup_1h, energy_daily, the device tables) are exported column for column.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Engine, Table, select

from solarctl.store import schema

CHUNK = 5000
TABLES = {"samples": schema.sample, **{t.name: t for t in (*schema.DEVICE_TABLES, schema.rollup_1m, schema.rollup_1h, schema.energy_daily)}}


def _time_column(table: Table) -> Any:
    return table.c.get("ts", table.c.get("bucket", table.c.get("day")))


def _rows(engine: Engine, table: Table, start: datetime, end: datetime, device: str | None) -> Iterator[dict[str, Any]]:
    col = _time_column(table)
    lo, hi = (start.date(), end.date()) if table is schema.energy_daily else (start, end)
    query = select(table).where(col >= lo, col < hi).order_by(col)
    if device and "device" in table.c:
        query = query.where(table.c.device == device)
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=CHUNK).execute(query):
            yield dict(row._mapping)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out = {"ts": row["ts"], "device": row["device"]}
    for key, value in json.loads(row["data"]).items():
        out[key] = json.dumps(value) if isinstance(value, (list, dict)) else value
    return out


def export(engine: Engine, what: str, start: datetime, end: datetime, fmt: str, path: Path, device: str | None = None) -> int:
    """Write rows with start <= time < end (naive UTC); returns the row count."""
    table = TABLES[what]
    flatten = table is schema.sample
    columns: dict[str, type] = {}
    if flatten:  # a first pass finds the metric columns and their types
        columns = {"ts": datetime, "device": str}
        for row in _rows(engine, table, start, end, device):
            for key, value in _flat(row).items():
                kind = bool if isinstance(value, bool) else float if isinstance(value, (int, float)) else str
                columns[key] = kind if columns.get(key) in (None, kind) else str  # mixed types: text
        columns.update(ts=datetime, device=str)
    else:
        columns = {c.name: c.type.python_type for c in table.columns}
    rows = (_flat(r) if flatten else r for r in _rows(engine, table, start, end, device))
    path.parent.mkdir(parents=True, exist_ok=True)
    return (_write_csv if fmt == "csv" else _write_parquet)(rows, columns, path)


def _write_csv(rows: Iterator[dict[str, Any]], columns: dict[str, type], path: Path) -> int:
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        out.writeheader()
        for row in rows:
            out.writerow({k: _csv_value(v) for k, v in row.items()})
            n += 1
    return n


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    return value.isoformat() if isinstance(value, date) else value


def _write_parquet(rows: Iterator[dict[str, Any]], columns: dict[str, type], path: Path) -> int:
    # pyarrow (and the numpy it loads) is ~45 MiB: imported here, so only an export pays for it, not the daemon.
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_types = {datetime: pa.timestamp("ms", tz="UTC"), date: pa.date32(), float: pa.float64(), int: pa.int64(),
                   bool: pa.bool_(), str: pa.string()}
    arrow_schema = pa.schema([(name, arrow_types.get(kind, pa.string())) for name, kind in columns.items()])
    n = 0
    with pq.ParquetWriter(path, arrow_schema, compression="zstd") as writer:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append({k: _cast(row.get(k), columns[k]) for k in columns})
            if len(chunk) >= CHUNK:
                writer.write_batch(pa.RecordBatch.from_pylist(chunk, arrow_schema))
                n += len(chunk)
                chunk = []
        if chunk or n == 0:
            writer.write_batch(pa.RecordBatch.from_pylist(chunk, arrow_schema))
        n += len(chunk)
    return n


def _cast(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is str and not isinstance(value, str):
        return str(value)
    if kind is float:
        return float(value)
    return value
