"""Samples -> table rows: the raw `sample` row for every sample, plus its driver's device table rows.

Column values are coerced to the column's type: numbers for Double/Integer columns (bool -> 0/1, text or NaN
-> NULL), text cut to the column width (the full value stays in `sample.data`), so one odd value never fails
a whole batch.
"""

from __future__ import annotations

import math
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import Boolean, Integer, String, Table

from solarctl.store import schema
from solarctl.store.records import Record, _dumps

_EPOCH = datetime(1970, 1, 1)


@lru_cache(maxsize=1 << 16)  # rollup buckets repeat for every metric of a batch
def ts_of(timestamp: float) -> datetime:
    """Epoch seconds -> naive UTC datetime at millisecond resolution (the same float always gives the same key)."""
    return _EPOCH + timedelta(milliseconds=round(timestamp * 1000))


def epoch_of(ts: datetime) -> float:
    return (ts - _EPOCH) / timedelta(seconds=1)


def number(value: Any) -> float | None:
    """A finite number as float (bool -> 0/1), else None."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is int or kind is bool:
        return float(value)
    if isinstance(value, (int, float)):  # int/float subclasses, e.g. numpy scalars
        return number(float(value))
    return None


def _text(width: int) -> Callable[[Any], str | None]:
    def conv(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value))
        return str(value)[:width]

    return conv


def _boolean(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _integer(value: Any) -> int | None:
    n = number(value)
    return None if n is None else int(n)


def _converters(table: Table) -> tuple[list[str], list[tuple[str, Callable[[Any], Any]]]]:
    """(float columns, other columns with their converter): floats, the bulk, take a fast path."""
    floats, others = [], []
    for col in table.columns:
        if col.primary_key or col.name == "device_name":
            continue
        if isinstance(col.type, String):
            others.append((col.name, _text(col.type.length or 255)))
        elif isinstance(col.type, Boolean):
            others.append((col.name, _boolean))
        elif isinstance(col.type, Integer):
            others.append((col.name, _integer))
        else:
            floats.append(col.name)
    return floats, others


_CONVERTERS = {t.name: _converters(t) for t in schema.DEVICE_TABLES}


def _row(table: Table, key: dict, values: dict) -> dict:
    row = dict(key)
    get = values.get
    floats, others = _CONVERTERS[table.name]
    for name in floats:
        v = get(name)
        row[name] = v if type(v) is float and v - v == 0.0 else number(v)  # v - v == 0: finite
    for name, conv in others:
        row[name] = conv(get(name))
    return row


# --- per driver ------------------------------------------------------------------------------------

Rows = dict[Table, list[dict]]


def _conext(table: Table) -> Callable[[Record, datetime, Rows], None]:
    def rows(rec: Record, ts: datetime, out: Rows) -> None:
        name = rec.values.get("device_name") or rec.device
        out[table].append(_row(table, {"device": rec.device, "ts": ts, "device_name": str(name)[: schema.NAME]}, rec.values))

    return rows


_PYLONTECH_STATES = {"b_status": "base_state", "v_status": "voltage_state", "c_status": "current_state", "t_status": "temperature_state"}


def _pylontech(rec: Record, ts: datetime, out: Rows) -> None:
    for module in rec.values.get("modules") or ():
        if not isinstance(module, dict) or "index" not in module:
            continue
        index = int(module["index"])
        values = {**module, **{col: module.get(state) for col, state in _PYLONTECH_STATES.items()}}
        key = {"device": rec.device, "device_name": f"Battery: {index}", "ts": ts}
        out[schema.pylontech_bms].append(_row(schema.pylontech_bms, key, values))
        _cells(rec.device, ts, index, module.get("cell_voltages"), out)


def _jk(rec: Record, ts: datetime, out: Rows) -> None:
    values = dict(rec.values)
    values["alarms"] = values.get("alarms") or rec.alarms or None
    out[schema.jk_pack].append(_row(schema.jk_pack, {"device": rec.device, "ts": ts}, values))
    _cells(rec.device, ts, 1, rec.values.get("cell_voltages"), out)


def _pv1800(rec: Record, ts: datetime, out: Rows) -> None:
    out[schema.must_pv1800].append(_row(schema.must_pv1800, {"device": rec.device, "ts": ts}, rec.values))


def _cells(device: str, ts: datetime, module: int, voltages: Any, out: Rows) -> None:
    if isinstance(voltages, (list, tuple)):
        out[schema.battery_cell].extend(
            {"device": device, "ts": ts, "module": module, "cell": i, "voltage": number(v)} for i, v in enumerate(voltages, 1)
        )


DRIVER_ROWS: dict[str, Callable[[Record, datetime, Rows], None]] = {
    "conext_xw": _conext(schema.conext_xw),
    "conext_mppt": _conext(schema.conext_mppt),
    "pylontech_console": _pylontech,
    "jk_pb": _jk,
    "must_pv1800": _pv1800,
}


def sample_rows(records: Iterable[Record], drivers: dict[str, str]) -> Rows:
    """Rows for every table, from good samples (failed polls are handled as device health)."""
    out: Rows = {t: [] for t in (schema.sample, *schema.DEVICE_TABLES)}
    for rec in records:
        if not rec.ok:
            continue
        ts = ts_of(rec.timestamp)
        driver = drivers.get(rec.device)
        out[schema.sample].append(
            {"device": rec.device, "ts": ts, "driver": driver, "data": rec.values_json, "alarms": _dumps(rec.alarms) if rec.alarms else None}
        )
        if driver in DRIVER_ROWS:
            DRIVER_ROWS[driver](rec, ts, out)
    return out
