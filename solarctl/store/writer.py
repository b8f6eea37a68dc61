"""Write one batch of journal records to the database in one transaction (runs in the store's DB thread).

Order matters: the touched minutes are recomputed before the batch's raw rows are stored (so the batch is
decoded once), hours after the minutes, the daily summary after the hours.
"""

from __future__ import annotations

from typing import Any, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, select

from solarctl.alert_types import AlertEvent
from solarctl.store import alerts, energy, rollup, rows, schema
from solarctl.store.config import StorageConfig
from solarctl.store.records import Record
from solarctl.store.upsert import stamper, upsert, upsert_rows


class _Stamps(dict[str, Any]):
    """Epoch seconds -> the driver's timestamp value, memoised (a sample's rows and a minute's metrics share one)."""

    def __init__(self, convert) -> None:
        super().__init__()
        self.convert = convert

    def __call__(self, t: float):
        return self[t] if t in self else self.setdefault(t, self.convert(t))


class BatchWriter:
    def __init__(self, engine: Engine, drivers: Mapping[str, str], storage: StorageConfig) -> None:
        self.engine = engine
        self.drivers = dict(drivers)
        self.max_gap = storage.max_gap
        self.zone = ZoneInfo(storage.timezone)
        self.roles = energy.roles(storage, self.drivers)
        self._healthy: dict[str, bool] = {}  # last poll outcome per device, as stored
        self._metrics: dict[str, dict[str, str | None]] = {}  # per device: metric -> unit, as stored in `metric`
        self._seen: dict[str, set[str]] = {}  # per device: value keys already looked at
        self._roles_stored = False
        self.carry = rows.Carry()  # the conext rows' Xanbus name and settings, between samples that read them

    def write(self, batch: list[Record | AlertEvent]) -> None:
        records = [r for r in batch if not isinstance(r, AlertEvent)]
        events = [r for r in batch if isinstance(r, AlertEvent)]
        if events:
            with self.engine.begin() as conn:
                alerts.store_events(conn, events)
        if not records:
            return
        with self.engine.begin() as conn:
            stamp = _Stamps(stamper(conn.dialect.name))  # each distinct timestamp converted once per batch
            by_device = rollup.group_by_device(records)
            minutes = rollup.refresh_minutes(conn, by_device, self.max_gap, stamp) if by_device else {}
            self._seed_carry(conn, records)
            for table, table_rows in rows.table_rows(records, self.drivers, stamp, self.carry).items():
                upsert_rows(conn, table, rows.COLUMNS[table], table_rows)
            if minutes:
                whole = energy.refresh_installation(conn, minutes, self.roles, stamp)
                if whole:
                    minutes[energy.INSTALLATION] = whole
                    days = energy.local_days(range(whole.lo, whole.hi, rollup.MINUTE), self.zone)
                    energy.refresh_days(conn, days, self.roles, self.zone)
                rollup.refresh_hours(conn, minutes, stamp)
            healthy, health_rows = self._health(conn, records)
            upsert(conn, schema.device_health, health_rows)
            metrics = self._new_metrics(records)
            upsert(conn, schema.metric, [{"device": d, "metric": m, "unit": u} for d, ms in metrics.items() for m, u in ms.items()])
            if not self._roles_stored:
                self._store_roles(conn)
        # Only once committed: a failed batch is retried from the spool with the old state.
        self._healthy.update(healthy)
        for device, ms in metrics.items():
            self._metrics.setdefault(device, {}).update(ms)
            self._seen.setdefault(device, set()).update(ms)
        self._roles_stored = True

    def _health(self, conn: Connection, records: list[Record]) -> tuple[dict[str, bool], list[dict[str, Any]]]:
        """A row per failed poll, and one for the first good poll after failures."""
        state: dict[str, bool] = {}
        out = []
        for rec in records:
            dev = rec.device
            if dev not in state:
                state[dev] = self._healthy[dev] if dev in self._healthy else self._last_stored(conn, dev)
            if not rec.ok:
                out.append({"device": dev, "ts": rows.ts_of(rec.timestamp), "ok": False, "reason": (rec.reason or "")[: schema.TEXT]})
            elif not state[dev]:
                out.append({"device": dev, "ts": rows.ts_of(rec.timestamp), "ok": True, "reason": None})
            state[dev] = rec.ok
        return state, out

    def _seed_carry(self, conn: Connection, records: list[Record]) -> None:
        """A device first seen by this writer starts from its newest stored row: a restart, or a spool replayed
        after one, keeps its rows' name and settings until the daemon reads them again."""
        for device in {rec.device for rec in records} - self.carry.known.keys():
            table = rows.DEVICE_TABLE.get(self.drivers.get(device))
            if table is None:
                continue
            carried = rows.CARRIED[table]
            newest = conn.execute(select(*(table.c[n] for n in carried)).where(table.c.device == device)
                                  .order_by(table.c.ts.desc()).limit(1)).first()
            self.carry.seed(device, dict(zip(carried, newest or ())))

    @staticmethod
    def _last_stored(conn: Connection, device: str) -> bool:
        h = schema.device_health
        last = conn.execute(select(h.c.ok).where(h.c.device == device).order_by(h.c.ts.desc()).limit(1)).scalar()
        return last is None or bool(last)

    def _new_metrics(self, records: list[Record]) -> dict[str, dict[str, str | None]]:
        """Numeric metrics (and units) not yet in the catalogue. The usual case, nothing new, costs one set
        difference per sample: keys already looked at (numeric or not) are remembered per device."""
        new: dict[str, dict[str, str | None]] = {}
        for rec in records:
            if not rec.ok:
                continue
            seen = self._seen.setdefault(rec.device, set())
            fresh = rec.values.keys() - seen
            known = self._metrics.get(rec.device, {})
            changed = [m for m, u in rec.units.items() if m in known and known[m] != u] if rec.units else ()
            if not fresh and not changed:
                continue
            numeric = rollup.scalars({m: rec.values[m] for m in fresh})
            seen.update(m for m in fresh if m not in numeric)  # text, lists: never numeric metrics here
            for metric in [*numeric, *changed]:
                unit = rec.units.get(metric)
                new.setdefault(rec.device, {})[metric] = None if unit is None else str(unit)[:16]
        return new

    def _store_roles(self, conn: Connection) -> None:
        conn.execute(delete(schema.energy_role))
        upsert(conn, schema.energy_role, [{"role": role, "device": dev, "metric": metric}
                                          for role, pairs in self.roles.items() for dev, metric in pairs])
        upsert(conn, schema.metric, [{"device": energy.INSTALLATION, "metric": f"{role}_power", "unit": "W"} for role in self.roles]
               + [{"device": energy.INSTALLATION, "metric": "soc", "unit": "%"}])
