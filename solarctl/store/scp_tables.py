"""The old SCP program's MySQL tables (`pylontech_bms`, `conext_xw`, `conext_mppt`) read as Samples.

Every historical variant is taken as it is found: the name column `device_name`, `inverter` (xw-data.sql
at eb5eca8) or `battery` (the README's bms table); varchar(16) or (32); the HEAD keys, the self-consistent
old ones, or none at all (the 396285e files put their keys on missing columns, which MySQL refuses, so such a
table can only exist as created without them: it may hold the same (ts, name) twice).

What a row means is what solarctl's samples mean: `ts` was the SCP machine's local time (converted to UTC
with the zone given); conext_xw's `grid_power` / `grid_current` carry the XW's sign (- import), samples are
+ import; SCP dropped the battery current's sign, which comes back where `b_status` says Dischg (as for
the CSV logs, `scp_csv.py`). A row whose key (device, UTC ms) an earlier row already holds (a table without
keys, or the hour the clocks go back) is stored 1 ms later rather than overwritten, and counted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, inspect, text

from solarctl.sample import Sample
from solarctl.store.scp_csv import stack_values

# table -> (driver, the columns its name may be in, newest first)
OLD_TABLES = {"pylontech_bms": ("pylontech_console", ("device_name", "battery")),
              "conext_xw": ("conext_xw", ("device_name", "inverter")),
              "conext_mppt": ("conext_mppt", ("device_name",))}
_RAW_SIGN = ("grid_power", "grid_current")  # conext_xw: the XW's sign, - import
_STATES = {"b_status": "base_state", "v_status": "voltage_state", "c_status": "current_state", "t_status": "temperature_state"}
_MODULE = re.compile(r"(\d+)\s*$")
_STEP = 0.001  # s: a duplicate key moves on by one millisecond, the store's resolution


@dataclass(frozen=True)
class OldTable:
    """An SCP table as found: where its rows' name is, and its value columns."""

    table: str  # the name it has now (the original, or its backup)
    kind: str  # the original name: pylontech_bms, conext_xw, conext_mppt
    name_column: str
    columns: tuple[str, ...]

    @property
    def driver(self) -> str:
        return OLD_TABLES[self.kind][0]


@dataclass
class Copied:
    """One table's history: rows read, samples made from them, and keys that were taken already."""

    table: str
    rows: int = 0
    samples: int = 0
    moved: int = 0  # samples stored 1 ms (or more) after their key, because an earlier one held it
    devices: dict[str, str] = field(default_factory=dict)  # old name -> solarctl device
    kind: str = ""  # the original table name: pylontech_bms, conext_xw, conext_mppt
    newest: float | None = None  # the newest sample's time (epoch s, UTC)

    def describe(self) -> str:
        moved = f"; {self.moved} sample(s) shared a key with an earlier one and were stored 1 ms later, none dropped" if self.moved else ""
        names = ", ".join(f"{old!r} -> {new!r}" for old, new in sorted(self.devices.items()))
        return f"{self.table}: {self.rows} rows -> {self.samples} samples ({names}){moved}"


def old_table(conn: Connection, table: str, kind: str) -> OldTable | None:
    """`table` as an SCP table of `kind`, or None when it is not one (solarctl's own tables have `device`)."""
    columns = [c["name"] for c in inspect(conn).get_columns(table)]
    names = [c for c in OLD_TABLES[kind][1] if c in columns]
    if "ts" not in columns or "device" in columns or not names:
        return None
    return OldTable(table, kind, names[0], tuple(c for c in columns if c not in ("ts", names[0])))


def find_old_tables(conn: Connection) -> list[OldTable]:
    """The SCP tables of this database, by their original names."""
    present = set(inspect(conn).get_table_names())
    found = [old_table(conn, kind, kind) for kind in OLD_TABLES if kind in present]
    return [t for t in found if t is not None]


def device_names(conn: Connection, old: OldTable, configured: dict[str, str]) -> dict[str, str]:
    """Old name -> solarctl device: the one configured device of the table's driver takes all its rows (the
    battery stack's modules always belong to one device); without exactly one, each old name is its own device."""
    names = [r[0] for r in conn.execute(text(f"SELECT DISTINCT {_q(conn, old.name_column)} FROM {_q(conn, old.table)}"))]
    mine = [d for d, driver in configured.items() if driver == old.driver]
    if len(mine) == 1:
        return {str(n): mine[0] for n in names}
    if old.kind == "pylontech_bms":
        return {str(n): "battery" for n in names}
    return {str(n): str(n) for n in names}


def read_samples(conn: Connection, old: OldTable, zone: ZoneInfo, devices: dict[str, str], report: Copied) -> Iterator[Sample]:
    """The table's rows, oldest first, as Samples (a battery stack's module rows of one ts make one sample)."""
    cols = ", ".join(_q(conn, c) for c in ("ts", old.name_column, *old.columns))
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(
        text(f"SELECT {cols} FROM {_q(conn, old.table)} ORDER BY {_q(conn, 'ts')}, {_q(conn, old.name_column)}"))
    latest: dict[str, float] = {}  # device -> newest key handed out

    def keyed(device: str, ts: datetime, values: dict[str, Any]) -> Sample:
        t = ts.replace(tzinfo=zone).astimezone(timezone.utc).timestamp()
        if device in latest and t <= latest[device] + _STEP / 2:
            t = latest[device] + _STEP
            report.moved += 1
        latest[device] = t
        report.samples += 1
        report.newest = t if report.newest is None else max(report.newest, t)
        return Sample(device, t, values)

    modules: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)  # device -> module rows of the current ts, one list per repeat
    current: Any = None  # the timestamp of the module rows gathered in `modules` (None before the first)
    for row in result:
        report.rows += 1
        ts, name, values = row[0], str(row[1]), dict(zip(old.columns, row[2:]))
        device = devices[name]
        if old.kind != "pylontech_bms":
            yield keyed(device, ts, _conext_values(old.kind, name, values))
            continue
        if ts != current:
            yield from (keyed(dev, current, _stack(group)) for dev, groups in modules.items() for group in groups)
            modules.clear()
            current = ts
        module = _module(name, values)
        groups = modules[device]
        free = next((g for g in groups if all(m["index"] != module["index"] for m in g)), None)  # a repeat makes a sample of its own
        free.append(module) if free is not None else groups.append([module])
    yield from (keyed(dev, current, _stack(group)) for dev, groups in modules.items() for group in groups)


def _conext_values(kind: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
    out = {"device_name": name, **{k: v for k, v in values.items() if v is not None}}
    if kind == "conext_xw":
        for k in _RAW_SIGN:
            if out.get(k) is not None:
                out[k] = -out[k]
    return out


def _module(name: str, values: dict[str, Any]) -> dict[str, Any]:
    match = _MODULE.search(name)
    m: dict[str, Any] = {"index": int(match.group(1)) if match else 1}
    m.update((k, float(v)) for k in ("soc", "voltage", "current", "temperature") if (v := values.get(k)) is not None)
    m.update((state, values[col]) for col, state in _STATES.items() if values.get(col) is not None)
    if m.get("base_state") == "Dischg" and m.get("current"):
        m["current"] = -abs(m["current"])
    return m


def _stack(modules: list[dict[str, Any]]) -> dict[str, Any]:
    modules = sorted(modules, key=lambda m: m["index"])
    return {**stack_values(modules), "module_count": len(modules), "modules": modules}


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)
