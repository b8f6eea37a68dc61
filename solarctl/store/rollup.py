"""1-minute and 1-hour aggregates, maintained as data arrives.

A touched minute is recomputed from all raw samples in it (those already stored plus the new batch), and a
touched hour from its minutes, and the rows are replaced: so a sample delivered twice, or a batch replayed
after a crash, never counts twice. Energy is the trapezoid integral of power between consecutive samples
(gaps over max_gap are not bridged), attributed to the interval of the later sample, split into its
positive part (import, charging, production) and negative part, in kWh.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import add, itemgetter
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import Connection, literal, select

from solarctl.store import schema
from solarctl.store.records import Record, loads
from solarctl.store.rows import epoch_of, key_epoch, number, ts_of
from solarctl.store.upsert import stamper, upsert_rows

MINUTE = 60
HOUR = 3600
_J_PER_KWH = 3.6e6


def floor(t: float, width: int) -> int:
    return int(math.floor(t / width)) * width


def is_power(metric: str, unit: str | None) -> bool:
    if unit:
        return unit == "W"
    return metric == "power" or metric.endswith("_power")


def scalars(values: dict[str, Any]) -> dict[str, float]:
    """The top-level numeric metrics of a sample (bools as 0/1: their mean is the fraction of time true)."""
    out = {}
    for k, v in values.items():
        n = number(v)
        if n is not None and len(k) <= schema.NAME:
            out[k] = n
    return out


def trapezoid(p0: float, p1: float, dt: float) -> tuple[float, float]:
    """Energy (J) of a linear power segment, as (positive part, negative part), both >= 0."""
    if p0 >= 0 and p1 >= 0:
        return (p0 + p1) / 2 * dt, 0.0
    if p0 <= 0 and p1 <= 0:
        return 0.0, -(p0 + p1) / 2 * dt
    t0 = dt * abs(p0) / (abs(p0) + abs(p1))  # where the segment crosses zero
    pos, neg = (p0, p1) if p0 > 0 else (p1, p0)
    pos_t = t0 if p0 > 0 else dt - t0
    return pos * pos_t / 2, -neg * (dt - pos_t) / 2


@dataclass
class Agg:
    n: int = 0
    lo: float = math.inf
    hi: float = -math.inf
    total: float = 0.0
    e_in: float | None = None
    e_out: float | None = None

    def row(self, device: str, metric: str, bucket: int) -> dict[str, Any]:
        return {
            "device": device, "metric": metric, "bucket": ts_of(bucket), "n": self.n,
            "minimum": self.lo if self.lo != math.inf else None, "mean": self.total / self.n if self.n else None,
            "maximum": self.hi if self.hi != -math.inf else None,
            "energy_in_kwh": None if self.e_in is None else self.e_in / _J_PER_KWH,
            "energy_out_kwh": None if self.e_out is None else self.e_out / _J_PER_KWH,
        }


# The store's own aggregates are lists [n, lo, hi, total, e_in, e_out] (many per batch: cheaper than objects);
# lo/hi are None where unknown (the installation's rows), e_in/e_out None for metrics that are not power.
N, LO, HI, TOTAL, E_IN, E_OUT = range(6)
_NOT_NUMERIC = frozenset({str, list, tuple, dict, type(None)})  # number() of these is None
_FLOAT = {float}


def _agg(metric: str, vals: Sequence[Any]) -> list[Any] | None:
    """The aggregate of one metric's values in one bucket (None: no numeric value)."""
    if type(vals[0]) is float:
        try:
            total = sum(vals)
        except TypeError:  # text among the numbers
            total = None
        if total is not None and total - total == 0.0:  # all finite (the usual case)
            return [len(vals), min(vals), max(vals), total, None, None]
    elif _NOT_NUMERIC.issuperset(map(type, vals)):  # text, lists: not a numeric metric
        return None
    vals = [n for n in map(number, vals) if n is not None]  # convert, drop text and NaN
    if not vals or len(metric) > schema.NAME:
        return None
    return [len(vals), min(vals), max(vals), sum(vals), None, None]


def minute_aggs(points: list[tuple[float, dict[str, Any]]], prev: tuple[float, dict[str, Any]] | None,
                power: set[str], max_gap: float, width: int = MINUTE) -> dict[tuple[str, int], list[Any]]:
    """Aggregate the numeric metrics of time-sorted (t, values) points into buckets of `width` seconds;
    `prev` is the point just before. Runs for every value stored: samples of a bucket with the same metrics
    (the usual case) are read column by column."""
    aggs: dict[tuple[str, int], list[Any]] = {}
    powered: dict[str, list[list[Any]]] = {}  # power metric -> its aggregates
    times = [t for t, _ in points]
    rows = [v for _, v in points]
    buckets = [int(math.floor(t / width)) * width for t in times]
    runs = []  # (bucket, first, end) of each bucket's points
    i, count = 0, len(rows)
    while i < count:
        bucket = buckets[i]
        j = i + 1
        while j < count and buckets[j] == bucket:
            j += 1
        runs.append((bucket, i, j))
        i = j
    keys = tuple(rows[0]) if rows else ()
    if all(tuple(r) == keys for r in rows):  # every point has the same metrics in the same order: whole columns
        for metric, col in zip(keys, zip(*map(dict.values, rows))):
            kinds = set(map(type, col))
            fast = kinds == _FLOAT
            if not fast and kinds <= _NOT_NUMERIC:  # text, lists: not a numeric metric
                continue
            made = []
            for bucket, i, j in runs:
                vals = col[i:j]
                if fast:
                    total = sum(vals)
                    agg = [j - i, min(vals), max(vals), total, None, None] if total - total == 0.0 else _agg(metric, vals)
                else:
                    agg = _agg(metric, vals)
                if agg is not None:
                    aggs[(metric, bucket)] = agg
                    made.append(agg)
            if metric in power and made:
                powered[metric] = made
    else:
        for bucket, i, j in runs:
            group = rows[i:j]
            for metric in set().union(*group):
                agg = _agg(metric, [r[metric] for r in group if metric in r])
                if agg is not None:
                    aggs[(metric, bucket)] = agg
                    if metric in power:
                        powered.setdefault(metric, []).append(agg)
    for metric, made in powered.items():
        for agg in made:
            agg[E_IN] = agg[E_OUT] = 0.0
        by_bucket = {bucket: aggs[(metric, bucket)] for bucket, _, _ in runs if (metric, bucket) in aggs}
        if prev:
            last_t, last_p = prev[0], number(prev[1].get(metric))
        else:
            last_t, last_p = 0.0, None
        for t, values, bucket in zip(times, rows, buckets):
            p = values.get(metric)
            if not (type(p) is float and p - p == 0.0):
                p = number(p)
                if p is None:
                    continue
            if last_p is not None and 0 < t - last_t <= max_gap:
                dt = t - last_t
                agg = by_bucket[bucket]
                if last_p >= 0 and p >= 0:  # trapezoid(), its usual cases inline
                    agg[E_IN] += (last_p + p) / 2 * dt
                    agg[E_OUT] += 0.0
                elif last_p <= 0 and p <= 0:
                    agg[E_IN] += 0.0
                    agg[E_OUT] += -(last_p + p) / 2 * dt
                else:
                    e_in, e_out = trapezoid(last_p, p, dt)
                    agg[E_IN] += e_in
                    agg[E_OUT] += e_out
            last_t, last_p = t, p
    return aggs


def aggregate(points: list[tuple[float, dict[str, Any]]], prev: tuple[float, dict[str, Any]] | None,
              power: set[str], max_gap: float, width: int = MINUTE) -> dict[tuple[str, int], Agg]:
    """minute_aggs() as Agg objects (tests, tools)."""
    return {k: Agg(n, lo, hi, total, e_in, e_out) for k, (n, lo, hi, total, e_in, e_out) in minute_aggs(points, prev, power, max_gap, width).items()}


def rollup_row(device: str, metric: str, bucket: Any, agg: list[Any]) -> tuple[Any, ...]:
    """A rollup_1m / rollup_1h row (in column order) from an aggregate list; `bucket` as the driver binds it."""
    n, lo, hi, total, e_in, e_out = agg
    return (device, metric, bucket, n, lo, total / n if n else None, hi,
            None if e_in is None else e_in / _J_PER_KWH, None if e_out is None else e_out / _J_PER_KWH)


ROLLUP_COLUMNS = tuple(c.name for c in schema.rollup_1m.columns)
assert ROLLUP_COLUMNS == tuple(c.name for c in schema.rollup_1h.columns) == (
    "device", "metric", "bucket", "n", "minimum", "mean", "maximum", "energy_in_kwh", "energy_out_kwh")


@dataclass
class Minutes:
    """The 1-minute aggregates (lists, see minute_aggs) of one device over [lo, hi), as just written."""

    lo: int
    hi: int
    aggs: dict[tuple[str, int], list[Any]]


def refresh_minutes(conn: Connection, batch: dict[str, list[Record]], max_gap: float, stamp: Callable[[float], Any]) -> dict[str, Minutes]:
    """Recompute, per device, every minute from the batch's first to its last, BEFORE the batch's raw rows
    are written (the batch is merged in from memory, so it is decoded once)."""
    s = schema.sample
    rows, out = [], {}
    stamps: dict[int, Any] = {}
    for device, records in batch.items():
        lo = floor(min(r.timestamp for r in records), MINUTE)
        hi = floor(max(r.timestamp for r in records), MINUTE) + MINUTE
        stored = conn.execute(
            select(s.c.ts, s.c.data).where(s.c.device == device, s.c.ts >= ts_of(lo), s.c.ts < ts_of(hi))
        ).all()
        points = {epoch_of(ts): loads(data) for ts, data in stored}
        points.update((key_epoch(r.timestamp), r.values) for r in records)
        before = conn.execute(
            select(s.c.ts, s.c.data).where(s.c.device == device, s.c.ts < ts_of(lo), s.c.ts >= ts_of(lo - max_gap))
            .order_by(s.c.ts.desc()).limit(1)
        ).first()
        prev = (epoch_of(before[0]), loads(before[1])) if before else None
        units: dict[str, str] = {}
        for r in records:
            if r.units:
                units.update(r.units)
        power = {m for m in _metrics(points.values()) if is_power(m, units.get(m))}
        aggs = minute_aggs(sorted(points.items()), prev, power, max_gap)
        for (metric, bucket), agg in aggs.items():
            if bucket not in stamps:
                stamps[bucket] = stamp(bucket)
            rows.append(rollup_row(device, metric, stamps[bucket], agg))
        out[device] = Minutes(lo, hi, aggs)
    upsert_rows(conn, schema.rollup_1m, ROLLUP_COLUMNS, rows)
    return out


def _metrics(values: Iterable[dict[str, Any]]) -> set[str]:
    """Every key of the samples (their key sets are mostly the same: each distinct one is merged once)."""
    out: set[str] = set()
    last: tuple[Any, ...] = ()
    for v in values:
        keys = tuple(v)
        if keys != last:
            out.update(keys)
            last = keys
    return out


def refresh_hours(conn: Connection, minutes: dict[str, Minutes], stamp: Callable[[float], Any] | None = None) -> None:
    """Recompute the hours around the refreshed minutes: those from memory, the hours' other minutes from
    `rollup_1m` (so a batch never reads back what it just wrote)."""
    stamp = stamp or stamper(conn.dialect.name)
    m = schema.rollup_1m
    rows: list[tuple[Any, ...]] = []
    for device, fresh in minutes.items():
        lo, hi = floor(fresh.lo, HOUR), floor(fresh.hi - 1, HOUR) + HOUR
        groups: dict[tuple[str, int], list[list[Any]]] = {}  # (metric, hour) -> its minutes, in the order they are added up
        hours: dict[int, int] = {}
        for (metric, bucket), a in fresh.aggs.items():
            hour = hours[bucket] if bucket in hours else hours.setdefault(bucket, floor(bucket, HOUR))
            key = (metric, hour)
            if key in groups:
                groups[key].append(a)
            else:
                groups[key] = [a]
        cols = (m.c.metric, m.c.bucket, m.c.n, m.c.minimum, m.c.mean, m.c.maximum, m.c.energy_in_kwh, m.c.energy_out_kwh)
        # The device's key range is all its metrics over all time: read the hours' other minutes by bucket instead.
        # SQLite, without statistics, would pick the key for `device = ?` and scan the device's whole history
        # (write cost growing with the database); `device || ''` leaves it the bucket index.
        dev = m.c.device.concat(literal("", literal_execute=True)) if conn.dialect.name == "sqlite" else m.c.device
        for start, end in ((lo, fresh.lo), (fresh.hi, hi)):
            if start >= end:
                continue
            query = select(*cols).where(dev == device, m.c.bucket >= ts_of(start), m.c.bucket < ts_of(end)).order_by(m.c.bucket)
            for metric, bucket, n, lo_v, mean, hi_v, e_in, e_out in conn.execute(query).all():
                a = [n, lo_v, hi_v, mean * n, None if e_in is None else e_in * _J_PER_KWH, None if e_out is None else e_out * _J_PER_KWH]
                groups.setdefault((metric, floor(epoch_of(bucket), HOUR)), []).append(a)
        rows.extend(rollup_row(device, metric, stamp(hour), fold(group)) for (metric, hour), group in groups.items())
    upsert_rows(conn, schema.rollup_1h, ROLLUP_COLUMNS, rows)


def fold(aggs: list[list[Any]]) -> list[Any]:
    """The aggregate of consecutive aggregates (minutes into an hour). Sums by reduce(add), not sum(): Python
    3.12's sum() compensates float rounding, and an hour must add up to the same bits on every version."""
    los = [x for x in map(itemgetter(LO), aggs) if x is not None]  # None: installation rows (means and energy only)
    his = [x for x in map(itemgetter(HI), aggs) if x is not None]
    energy = [a for a in aggs if a[E_IN] is not None]
    return [sum(map(itemgetter(N), aggs)), min(los) if los else None, max(his) if his else None,
            reduce(add, map(itemgetter(TOTAL), aggs), 0.0),
            reduce(add, map(itemgetter(E_IN), energy), 0.0) if energy else None,
            reduce(add, [x or 0.0 for x in map(itemgetter(E_OUT), energy)], 0.0) if energy else None]


def group_by_device(records: Iterable[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.ok:
            out[r.device].append(r)
    return out
