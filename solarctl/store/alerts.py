"""The `alert` table: one row per episode, as last published; read back for `solarctl alerts` and a restart."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from solarctl.alert_types import AlertEvent
from solarctl.store import schema
from solarctl.store.records import dumps, loads
from solarctl.store.rows import epoch_of, ts_of
from solarctl.store.upsert import upsert

_TIMES = ("first_seen", "last_seen", "acknowledged_at", "cleared_at")


def alert_row(event: AlertEvent) -> dict[str, Any]:
    row = asdict(event)
    row["data"] = dumps(row.pop("values"))
    for name in _TIMES:
        row[name] = None if row[name] is None else ts_of(row[name])
    return row


def event_of(row: Row[Any]) -> AlertEvent:
    fields = dict(row._mapping)
    fields["values"] = loads(fields.pop("data"))
    for name in _TIMES:
        fields[name] = None if fields[name] is None else epoch_of(fields[name])
    return AlertEvent(**fields)


def store_events(conn: Connection, events: list[AlertEvent]) -> None:
    upsert(conn, schema.alert, [alert_row(e) for e in events])  # the last state of each episode wins


def alerts(engine: Engine, *, active_only: bool = False, limit: int = 1000) -> list[AlertEvent]:
    """Stored alerts, oldest first (the newest `limit`); `active_only`: those not cleared."""
    query = select(schema.alert)
    if active_only:
        query = query.where(schema.alert.c.state != "cleared")
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(schema.alert.c.id.desc()).limit(limit)).all()
    return [event_of(r) for r in reversed(rows)]


def next_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return (conn.execute(select(func.max(schema.alert.c.id))).scalar() or 0) + 1


def acknowledge(engine: Engine, alert_id: int, now: float) -> AlertEvent | None:
    """Acknowledge an active alert in the database (no daemon runs); None if no open alert has this id."""
    a = schema.alert
    with engine.begin() as conn:
        conn.execute(update(a).where(a.c.id == alert_id, a.c.state == "active")
                     .values(state="acknowledged", acknowledged_at=ts_of(now)))
        row = conn.execute(select(a).where(a.c.id == alert_id, a.c.state != "cleared")).first()
    return None if row is None else event_of(row)
