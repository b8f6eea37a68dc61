"""1-minute and 1-hour aggregates, maintained as data arrives.

A touched minute is recomputed from all raw samples in it (those already stored plus the new batch), and a
touched hour from its minutes, and the rows are replaced: so a sample delivered twice, or a batch replayed
after a crash, never counts twice. Energy is the trapezoid integral of power between consecutive samples
(gaps over max_gap are not bridged), attributed to the interval of the later sample, split into its
positive part (import, charging, production) and negative part, in kWh.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Connection, select

from solarctl.store import schema
from solarctl.store.records import Record
from solarctl.store.rows import epoch_of, number, ts_of
from solarctl.store.upsert import upsert

MINUTE = 60
HOUR = 3600
_J_PER_KWH = 3.6e6


def floor(t: float, width: int) -> int:
    return int(math.floor(t / width)) * width


def is_power(metric: str, unit: str | None) -> bool:
    if unit:
        return unit == "W"
    return metric == "power" or metric.endswith("_power")


def scalars(values: dict) -> dict[str, float]:
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

    def row(self, device: str, metric: str, bucket: int) -> dict:
        return {
            "device": device, "metric": metric, "bucket": ts_of(bucket), "n": self.n,
            "minimum": self.lo if self.lo != math.inf else None, "mean": self.total / self.n if self.n else None,
            "maximum": self.hi if self.hi != -math.inf else None,
            "energy_in_kwh": None if self.e_in is None else self.e_in / _J_PER_KWH,
            "energy_out_kwh": None if self.e_out is None else self.e_out / _J_PER_KWH,
        }


def aggregate(points: list[tuple[float, dict]], prev: tuple[float, dict] | None,
              power: set[str], max_gap: float, width: int = MINUTE) -> dict[tuple[str, int], Agg]:
    """Aggregate the numeric metrics of time-sorted (t, values) points into buckets of `width` seconds;
    `prev` is the point just before. Runs for every value stored, hence the builtins over lists."""
    aggs: dict[tuple[str, int], Agg] = {}
    buckets: dict[int, list[dict]] = defaultdict(list)
    for t, values in points:
        buckets[floor(t, width)].append(values)
    for bucket, rows in buckets.items():
        for metric in set().union(*rows):
            vals = [r[metric] for r in rows if metric in r]
            try:
                total = sum(vals) if type(vals[0]) is float else None
            except TypeError:  # text among the numbers
                total = None
            if total is None or total - total != 0.0:  # not all finite floats: convert, drop text and NaN
                vals = [n for n in map(number, vals) if n is not None]
                if not vals or len(metric) > schema.NAME:
                    continue
                total = sum(vals)
            aggs[(metric, bucket)] = Agg(len(vals), min(vals), max(vals), total)
    for metric in {m for (m, _) in aggs} & power:
        for (m, _), agg in aggs.items():
            if m == metric:
                agg.e_in = agg.e_out = 0.0
        last = (prev[0], number(prev[1].get(metric))) if prev else (0.0, None)
        for t, values in points:
            p = number(values.get(metric))
            if p is None:
                continue
            if last[1] is not None and 0 < t - last[0] <= max_gap:
                e_in, e_out = trapezoid(last[1], p, t - last[0])
                agg = aggs[(metric, floor(t, width))]
                agg.e_in += e_in
                agg.e_out += e_out
            last = (t, p)
    return aggs


@dataclass
class Minutes:
    """The 1-minute aggregates of one device over [lo, hi), as just written."""

    lo: int
    hi: int
    aggs: dict[tuple[str, int], Agg]


def refresh_minutes(conn: Connection, batch: dict[str, list[Record]], max_gap: float) -> dict[str, Minutes]:
    """Recompute, per device, every minute from the batch's first to its last, BEFORE the batch's raw rows
    are written (the batch is merged in from memory, so it is decoded once)."""
    s = schema.sample
    rows, out = [], {}
    for device, records in batch.items():
        lo = floor(min(r.timestamp for r in records), MINUTE)
        hi = floor(max(r.timestamp for r in records), MINUTE) + MINUTE
        stored = conn.execute(
            select(s.c.ts, s.c.data).where(s.c.device == device, s.c.ts >= ts_of(lo), s.c.ts < ts_of(hi))
        ).all()
        points = {epoch_of(ts): json.loads(data) for ts, data in stored}
        points.update((epoch_of(ts_of(r.timestamp)), r.values) for r in records)
        before = conn.execute(
            select(s.c.ts, s.c.data).where(s.c.device == device, s.c.ts < ts_of(lo), s.c.ts >= ts_of(lo - max_gap))
            .order_by(s.c.ts.desc()).limit(1)
        ).first()
        prev = (epoch_of(before[0]), json.loads(before[1])) if before else None
        units: dict[str, str] = {}
        for r in records:
            units.update(r.units)
        power = {m for m in set().union(*points.values()) if is_power(m, units.get(m))}
        aggs = aggregate(sorted(points.items()), prev, power, max_gap)
        rows.extend(agg.row(device, metric, bucket) for (metric, bucket), agg in aggs.items())
        out[device] = Minutes(lo, hi, aggs)
    upsert(conn, schema.rollup_1m, rows)
    return out


def refresh_hours(conn: Connection, minutes: dict[str, Minutes]) -> None:
    """Recompute the hours around the refreshed minutes: those from memory, the hours' other minutes from
    `rollup_1m` (so a batch never reads back what it just wrote)."""
    m = schema.rollup_1m
    rows = []
    for device, fresh in minutes.items():
        lo, hi = floor(fresh.lo, HOUR), floor(fresh.hi - 1, HOUR) + HOUR
        aggs: dict[tuple[str, int], Agg] = defaultdict(Agg)
        for (metric, bucket), a in fresh.aggs.items():
            _add(aggs[(metric, floor(bucket, HOUR))], a.n, a.total, a.lo, a.hi, a.e_in, a.e_out)
        cols = (m.c.metric, m.c.bucket, m.c.n, m.c.minimum, m.c.mean, m.c.maximum, m.c.energy_in_kwh, m.c.energy_out_kwh)
        around = (m.c.bucket >= ts_of(lo)) & (m.c.bucket < ts_of(fresh.lo)) | (m.c.bucket >= ts_of(fresh.hi)) & (m.c.bucket < ts_of(hi))
        for metric, bucket, n, lo_v, mean, hi_v, e_in, e_out in conn.execute(select(*cols).where(m.c.device == device, around)):
            _add(aggs[(metric, floor(epoch_of(bucket), HOUR))], n, mean * n, lo_v, hi_v,
                 None if e_in is None else e_in * _J_PER_KWH, None if e_out is None else e_out * _J_PER_KWH)
        rows.extend(agg.row(device, metric, hour) for (metric, hour), agg in aggs.items())
    upsert(conn, schema.rollup_1h, rows)


def _add(agg: Agg, n: int, total: float, lo: float | None, hi: float | None, e_in: float | None, e_out: float | None) -> None:
    agg.n += n
    agg.total += total
    if lo is not None:  # None: installation rows, which carry means and energy only
        agg.lo, agg.hi = min(agg.lo, lo), max(agg.hi, hi)
    if e_in is not None:
        agg.e_in = (agg.e_in or 0.0) + e_in
        agg.e_out = (agg.e_out or 0.0) + (e_out or 0.0)


def group_by_device(records: Iterable[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.ok:
            out[r.device].append(r)
    return out
