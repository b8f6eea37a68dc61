"""Samples -> table rows: the raw `sample` row for every sample, plus its driver's device table rows (the row
writers below, which the drivers' descriptions name as their `rows`).

Column values are coerced to the column's type: numbers for Double/Integer columns (bool -> 0/1, text or NaN
-> NULL), text cut to the column width (the full value stays in `sample.data`), so one odd value never fails
a whole batch.

Rows are built as tuples in each table's column order (`COLUMNS`), straight from the sample's values: the
store writes hundreds of thousands of them a minute when it back-fills. The usual row (finite floats, short
texts) is checked with a few C-level passes and taken as is; any other value goes through its column's
converter, exactly as before.
"""

from __future__ import annotations

import math
from functools import lru_cache
from datetime import datetime, timedelta
from itertools import chain
from operator import add, itemgetter
from typing import Any, Callable, Iterable

from sqlalchemy import Boolean, Double, Integer, String, Table

from solarctl.devices import registry
from solarctl.devices.conext.mppt import MPPT_MAP
from solarctl.devices.conext.xw import XW_MAP
from solarctl.store import schema
from solarctl.store.records import Record, dumps

_EPOCH = datetime(1970, 1, 1)


@lru_cache(maxsize=1 << 16)  # rollup buckets repeat for every metric of a batch
def ts_of(timestamp: float) -> datetime:
    """Epoch seconds -> naive UTC datetime at millisecond resolution (the same float always gives the same key)."""
    return _EPOCH + timedelta(milliseconds=round(timestamp * 1000))


def epoch_of(ts: datetime) -> float:
    return (ts - _EPOCH) / timedelta(seconds=1)


def key_epoch(timestamp: float) -> float:
    """epoch_of(ts_of(timestamp)) without the datetimes: the epoch seconds of the stored key (both are the
    correctly rounded value of ms / 1000)."""
    return round(timestamp * 1000) / 1000


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


def _float(value: Any) -> float | None:
    return value if type(value) is float and value - value == 0.0 else number(value)  # v - v == 0: finite


_FLOATISH = frozenset({float, type(None)})
_TEXTISH = frozenset({str, type(None)})


class _Values:
    """The value columns of a device table (all but the key columns and device_name), in table order, and how
    to turn a sample's values into them."""

    def __init__(self, table: Table, source: dict[str, str] | None = None) -> None:
        cols = [c for c in table.columns if not c.primary_key and c.name != "device_name"]
        self.names = tuple(c.name for c in cols)
        # Where each column's value comes from in the sample's values (Pylontech renames its state columns).
        self.keys = tuple((source or {}).get(n, n) for n in self.names)
        self.converters: list[Callable[[Any], Any]] = []
        floats, texts, widths = [], [], []
        for i, col in enumerate(cols):
            if isinstance(col.type, String):
                self.converters.append(_text(col.type.length or 255))
                texts.append(i)
                widths.append(col.type.length or 255)
            elif isinstance(col.type, Boolean):
                self.converters.append(_boolean)
            elif isinstance(col.type, Integer):
                self.converters.append(_integer)
            else:
                assert isinstance(col.type, Double), col
                self.converters.append(_float)
                floats.append(i)
        self.width = min(widths, default=255)
        # The fast path takes tables of float and text columns only (two or more of each); the others (rare and
        # narrow) convert every value.
        self.fast = len(floats) > 1 and len(texts) > 1 and len(floats) + len(texts) == len(cols)
        self.floats = itemgetter(*floats) if self.fast else None
        self.texts = itemgetter(*texts) if self.fast else None

    def rows(self, keys: list[tuple[Any, ...]], samples: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Rows (key + values) for a batch: the usual batch, all finite floats and short texts, is checked in
        a few C-level passes over all its values; otherwise row by row."""
        raw = [tuple(map(values.get, self.keys)) for values in samples]
        if self.fast and raw and self._clean(chain.from_iterable(map(self.floats, raw)), chain.from_iterable(map(self.texts, raw))):
            return list(map(add, keys, raw))
        return list(map(add, keys, map(self.convert, raw)))

    def __call__(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return self.convert(tuple(map(values.get, self.keys)))

    def convert(self, vals: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.fast and self._clean(self.floats(vals), self.texts(vals)):
            return vals
        return tuple([conv(v) for conv, v in zip(self.converters, vals)])

    def _clean(self, floats: Iterable[Any], texts: Iterable[Any]) -> bool:
        """Every float finite (or None) and every text short enough (or None): the values go in as they are."""
        floats = list(floats)
        if not _FLOATISH.issuperset(map(type, floats)):
            return False
        s = sum(filter(None, floats))  # None and 0.0 left out; an inf or NaN makes s - s NaN (so does an overflow: slow path)
        if s - s != 0.0:
            return False
        texts = list(texts)
        return _TEXTISH.issuperset(map(type, texts)) and max(map(len, filter(None, texts)), default=0) <= self.width


_PYLONTECH_STATES = {"b_status": "base_state", "v_status": "voltage_state", "c_status": "current_state", "t_status": "temperature_state"}
_VALUES = {t.name: _Values(t, _PYLONTECH_STATES if t is schema.pylontech_bms else None)
           for t in schema.DEVICE_TABLES if t is not schema.battery_cell and t is not schema.device_health}

# Column order of every table written here (the tuples below follow it).
COLUMNS: dict[Table, tuple[str, ...]] = {t: tuple(c.name for c in t.columns) for t in (schema.sample, *schema.DEVICE_TABLES)}


# --- row writers, named by the drivers' descriptions --------------------------------------------------

Rows = dict[Table, list[tuple[Any, ...]]]


class _Bulk:
    """Key tuples and value dicts of one device table, collected over a batch and converted at the end."""

    def __init__(self) -> None:
        self.keys: list[tuple[Any, ...]] = []
        self.values: list[dict[str, Any]] = []


def _conext(table: Table) -> Callable[[Record, Any, Rows, dict[str, Any]], None]:
    assert COLUMNS[table][:3] == ("device", "ts", "device_name")

    def rows(rec: Record, ts: Any, out: Rows, bulk: dict[Table, _Bulk]) -> None:
        b = bulk[table]
        b.keys.append((rec.device, ts))
        b.values.append(rec.values)

    return rows


class Carry:
    """The old SCP tables' meanings: every conext row carries the device's Xanbus name (read once, on the
    "once" group) and its settings (read on the slow cadence, or just written and read back) as the old
    program wrote them on every row; a sample that did not read them takes the device's latest values.
    Without a name read yet, the configured device name stands in."""

    def __init__(self) -> None:
        self.known: dict[str, dict[str, Any]] = {}  # device -> carried column -> latest value

    def seed(self, device: str, values: dict[str, Any]) -> None:
        """Start from what the table already holds (the newest stored row), e.g. after a restart."""
        self.known[device] = {k: v for k, v in values.items() if v is not None}

    def fill(self, table: Table, device: str, values: dict[str, Any]) -> dict[str, Any]:
        known = self.known.setdefault(device, {})
        carried = CARRIED[table]
        missing = False
        for name in carried:
            if name in values:
                known[name] = values[name]
            else:
                missing = True
        return {**known, **values} if missing else values


def _name(values: dict[str, Any], device: str) -> str:
    name = values.get("device_name") or device
    return name[: schema.NAME] if type(name) is str else str(name)[: schema.NAME]


def _slow_columns(table: Table, register_map) -> tuple[str, ...]:
    """The table's columns its driver reads on the "once" and "slow" groups, not on every poll."""
    return tuple(r.name for r in register_map.registers if r.group != "fast" and r.name in table.columns)


assert COLUMNS[schema.pylontech_bms][:3] == ("device", "device_name", "ts")


@lru_cache(maxsize=256)
def _battery(index: int) -> str:
    return f"Battery: {index}"


def pylontech_rows(rec: Record, ts: Any, out: Rows, bulk: dict[Table, _Bulk]) -> None:
    b = bulk[schema.pylontech_bms]
    for module in rec.values.get("modules") or ():
        if not isinstance(module, dict) or "index" not in module:
            continue
        index = int(module["index"])
        b.keys.append((rec.device, _battery(index), ts))
        b.values.append({**module, "battery": str(index)})  # the old `battery` column: the module number
        _cells(rec.device, ts, index, module.get("cell_voltages"), out)
    stack_cells = rec.values.get("cell_voltages")
    if not rec.values.get("modules") and isinstance(stack_cells, (list, tuple)):
        # A high-voltage stack's cells are the stack's: stored by module when the module size is known.
        size = rec.values.get("cell_module_size") or len(stack_cells) or 1
        for start in range(0, len(stack_cells), size):
            _cells(rec.device, ts, start // size + 1, stack_cells[start:start + size], out)


_JK = _VALUES["jk_pack"]
_PV1800 = _VALUES["must_pv1800"]


def jk_rows(rec: Record, ts: Any, out: Rows, bulk: dict[str, Any]) -> None:
    values = dict(rec.values)
    values["alarms"] = values.get("alarms") or rec.alarms or None
    out[schema.jk_pack].append((rec.device, ts, *_JK(values)))
    _cells(rec.device, ts, 1, rec.values.get("cell_voltages"), out)


def pv1800_rows(rec: Record, ts: Any, out: Rows, bulk: dict[str, Any]) -> None:
    out[schema.must_pv1800].append((rec.device, ts, *_PV1800(rec.values)))


def _cells(device: str, ts: Any, module: int, voltages: Any, out: Rows) -> None:
    if isinstance(voltages, (list, tuple)):
        out[schema.battery_cell].extend(
            (device, ts, module, i, v if type(v) is float and v - v == 0.0 else number(v)) for i, v in enumerate(voltages, 1)
        )


conext_xw_rows = _conext(schema.conext_xw)
conext_mppt_rows = _conext(schema.conext_mppt)


_BULK = (schema.pylontech_bms, schema.conext_xw, schema.conext_mppt)
CARRIED = {schema.conext_xw: _slow_columns(schema.conext_xw, XW_MAP), schema.conext_mppt: _slow_columns(schema.conext_mppt, MPPT_MAP)}
DEVICE_TABLE = {"conext_xw": schema.conext_xw, "conext_mppt": schema.conext_mppt}  # driver -> its carried table
# conext_xw keeps the XW's own sign for these, as the old program stored them (its dashboard plots -grid_power):
# - import. Everywhere else (samples, rollups, API, topics) grid power is + import.
_XW_RAW_SIGN = tuple(COLUMNS[schema.conext_xw].index(n) for n in ("grid_current", "grid_power"))


def _raw_sign(row: tuple[Any, ...]) -> tuple[Any, ...]:
    out = list(row)
    for i in _XW_RAW_SIGN:
        if out[i] is not None:
            out[i] = -out[i]
    return tuple(out)


def table_rows(records: Iterable[Record], drivers: dict[str, str], stamp: Callable[[float], Any], carry: Carry | None = None) -> Rows:
    """Rows (tuples in COLUMNS order) for every table, from good samples (failed polls are handled as device
    health); `stamp` turns a sample's epoch seconds into its key's timestamp value; `carry` keeps the conext
    rows' name and settings across samples (and batches) that did not read them."""
    out: Rows = {t: [] for t in (schema.sample, *schema.DEVICE_TABLES)}
    samples = out[schema.sample]
    bulk = {t: _Bulk() for t in _BULK}
    get_driver = drivers.get
    writers = {device: d.row_writer for device, driver in drivers.items() if (d := registry.describe(driver)) and d.rows}
    for rec in records:
        if rec.values is None:
            continue
        ts = stamp(rec.timestamp)
        driver = get_driver(rec.device)
        samples.append((rec.device, ts, driver, rec.values_json, dumps(rec.alarms) if rec.alarms else None))
        write = writers.get(rec.device)
        if write is not None:
            write(rec, ts, out, bulk)
    carry = carry or Carry()
    for table, b in bulk.items():
        if not b.keys:
            continue
        if table in CARRIED:
            b.values = [carry.fill(table, key[0], values) for key, values in zip(b.keys, b.values)]
            b.keys = [(*key, _name(values, key[0])) for key, values in zip(b.keys, b.values)]
        out[table] = _VALUES[table.name].rows(b.keys, b.values)
    if out[schema.conext_xw]:
        out[schema.conext_xw] = list(map(_raw_sign, out[schema.conext_xw]))
    return out


def sample_rows(records: Iterable[Record], drivers: dict[str, str], carry: Carry | None = None) -> dict[Table, list[dict[str, Any]]]:
    """table_rows() as dicts by column name, timestamps as datetimes (for tests and tools)."""
    return {t: [dict(zip(COLUMNS[t], r)) for r in rs] for t, rs in table_rows(records, drivers, ts_of, carry).items()}
