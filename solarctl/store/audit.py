"""The `audit` table, filled from the ledger file (control/ledger.py, the source of truth, written first).

Each row is keyed by its line number in `audit.jsonl`, so filling is idempotent: `catch_up` stores the
lines after the last one the table has, whenever the database is reachable (at the store's first write,
and after each new ledger row). A database that was away therefore loses no row, and rows written by
`solarctl set` while no daemon ran arrive at the next catch-up.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select

from solarctl.store import schema
from solarctl.store.records import dumps
from solarctl.store.rows import epoch_of, ts_of
from solarctl.store.upsert import upsert

log = logging.getLogger(__name__)

BATCH = 1000


def ledger_lines(path: Path, after: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """(line number, entry) of the ledger's lines after line `after`; damaged lines are skipped, not renumbered."""
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if number <= after:
                continue
            try:
                found.append((number, json.loads(line)))
            except json.JSONDecodeError:
                log.warning("%s:%d: damaged ledger line not stored", path, number)
    return found


def _text(value: Any) -> str | None:
    return None if value is None else dumps(value)[: schema.TEXT]


def audit_row(line: int, entry: dict[str, Any]) -> dict[str, Any]:
    return {"line": line, "ts": ts_of(entry["time"]), "source": entry.get("source"), "device": entry.get("device"),
            "setting": entry.get("setting"), "register_address": entry.get("register"),
            "before_value": _text(entry.get("before")), "requested_value": _text(entry.get("requested")),
            "after_value": _text(entry.get("after")), "outcome": entry.get("outcome"), "reason": entry.get("reason") or None}


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def entry_of(row: Row[Any]) -> dict[str, Any]:
    """A stored row as the ledger entry it came from."""
    r = row._mapping
    value = _json
    return {"time": epoch_of(r["ts"]), "source": r["source"], "device": r["device"], "setting": r["setting"],
            "requested": value(r["requested_value"]), "outcome": r["outcome"], "reason": r["reason"] or "",
            "register": r["register_address"], "before": value(r["before_value"]), "after": value(r["after_value"])}


def catch_up(conn: Connection, path: Path) -> int:
    """Store the ledger lines the table does not have yet; returns how many."""
    last = conn.execute(select(func.max(schema.audit.c.line))).scalar() or 0
    lines = ledger_lines(path, last)
    for start in range(0, len(lines), BATCH):
        upsert(conn, schema.audit, [audit_row(n, e) for n, e in lines[start:start + BATCH]])
    return len(lines)


def entries(engine: Engine, *, since: float | None = None, device: str | None = None) -> list[dict[str, Any]]:
    a = schema.audit
    query = select(a).order_by(a.c.line)
    if since is not None:
        query = query.where(a.c.ts >= ts_of(since))
    if device is not None:
        query = query.where(a.c.device == device)
    with engine.connect() as conn:
        return [entry_of(r) for r in conn.execute(query)]
