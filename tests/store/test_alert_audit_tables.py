"""The `alert` and `audit` tables on every engine: alert events through the spool's encoding, listed and
acknowledged; audit rows caught up from the ledger file, idempotently, and none lost while the database is away."""

from __future__ import annotations

import json

from solarctl.alerts.model import AlertEvent
from solarctl.control.ledger import AuditLedger
from solarctl.data_paths import ledger_path
from solarctl.sample import Sample
from solarctl.store import alerts, audit, migrate
from solarctl.store.config import StorageConfig
from solarctl.store.engine import make_engine
from solarctl.store.records import decode, encode
from solarctl.store.store import SampleStore
from solarctl.store.writer import BatchWriter
from tests.store.test_store import config

T0 = 1_790_000_000.25


def event(id_, state="active", **kw) -> AlertEvent:
    fields = dict(kind="cell_high", severity="critical", device="bms1", message="bms1: highest cell 3.612 V is above 3.6 V",
                  values={"cell_voltage_max": 3.612}, first_seen=T0, last_seen=T0 + 60, count=3, state=state)
    return AlertEvent(id_, **{**fields, **kw})


def entry(i: int, device="inverter", **kw) -> dict:
    return {"time": T0 + i, "source": "cli:uid=0", "device": device, "setting": "grid_connection", "requested": "off-grid",
            "outcome": "written", "reason": "", "register": 20105, "before": "on-grid", "after": "off-grid", **kw}


def test_alerts_stored_listed_and_acknowledged(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    published = [event(1), event(2, kind="temperature_low", severity="warning", device=None, values={}),
                 event(1, "cleared", count=9, last_seen=T0 + 600, cleared_at=T0 + 1200)]
    BatchWriter(engine, {}, StorageConfig()).write([decode(encode(e)[0]) for e in published])  # as the spool carries them
    stored = alerts.alerts(engine)
    assert stored == [published[2], published[1]]  # one row per episode, its latest state
    assert [e.id for e in alerts.alerts(engine, active_only=True)] == [2]
    assert alerts.acknowledge(engine, 1, T0 + 2000) is None  # cleared: nothing to acknowledge
    acked = alerts.acknowledge(engine, 2, T0 + 2000)
    assert (acked.state, acked.acknowledged_at) == ("acknowledged", T0 + 2000)
    assert alerts.next_id(engine) == 3
    engine.dispose()


def test_audit_rows_caught_up_from_the_ledger_once(db_url, tmp_path):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    path = tmp_path / "audit.jsonl"
    ledger = AuditLedger(path)
    for i in range(3):
        ledger.record(entry(i, device="inverter" if i != 1 else "bms1"))
    with path.open("a") as fh:
        fh.write("{damaged\n")
    ledger = AuditLedger(path)  # skips the damaged line
    ledger.record(entry(3, outcome="failed", reason="write or read-back failed: timeout", after=None))
    for _ in range(2):
        with engine.begin() as conn:
            audit.catch_up(conn, path)
    assert audit.entries(engine) == ledger.entries
    assert audit.entries(engine, since=T0 + 1, device="inverter") == [ledger.entries[2], ledger.entries[3]]
    engine.dispose()


async def test_no_audit_row_lost_while_the_database_is_away(mariadb_factory, tmp_path):
    server = mariadb_factory()
    cfg = config(tmp_path, server.new_database())
    store = SampleStore(cfg)
    ledger = AuditLedger(ledger_path(cfg.general.data_dir), on_record=store.audit_changed)
    await store.start()
    ledger.record(entry(0))
    store.submit(Sample("inverter", T0, {"pv_power": 1.0}))
    assert await store.flush(30)
    server.stop()
    for i in range(1, 6):  # written while the database is away
        ledger.record(entry(i))
        store.submit(Sample("inverter", T0 + i, {"pv_power": 1.0}))
    assert not await store.flush(2)
    await store.stop(drain_timeout=0.5)  # and the daemon stops before it is back
    ledger.record(entry(6, source="cli:uid=0"))  # `solarctl set` without a daemon: only the file has it

    server.start()
    again = SampleStore(cfg)
    await again.start()
    again.submit(Sample("inverter", T0 + 7, {"pv_power": 1.0}))
    assert await again.flush(60)
    await again.stop()
    engine = make_engine(again.url)
    assert audit.entries(engine) == [json.loads(line) for line in ledger.path.read_text().splitlines()]
    assert len(audit.entries(engine)) == 7
    engine.dispose()
