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
            "minimum": self.lo, "mean": self.total / self.n if self.n else None, "maximum": self.hi,
            "energy_in_kwh": None if self.e_in is None else self.e_in / _J_PER_KWH,
            "energy_out_kwh": None if self.e_out is None else self.e_out / _J_PER_KWH,
        }


def aggregate(points: list[tuple[float, dict[str, float]]], prev: tuple[float, dict[str, float]] | None,
              power: set[str], max_gap: float, width: int = MINUTE) -> dict[tuple[str, int], Agg]:
    """Aggregate time-sorted (t, scalars) points into buckets of `width` seconds; `prev` is the point just before."""
    aggs: dict[tuple[str, int], Agg] = defaultdict(Agg)
    for t, values in points:
        bucket = floor(t, width)
        dt = t - prev[0] if prev else 0.0
        for metric, v in values.items():
            agg = aggs[(metric, bucket)]
            agg.n += 1
            agg.total += v
            agg.lo = min(agg.lo, v)
            agg.hi = max(agg.hi, v)
            if metric in power:
                if agg.e_in is None:
                    agg.e_in = agg.e_out = 0.0
                if prev and 0 < dt <= max_gap and metric in prev[1]:
                    e_in, e_out = trapezoid(prev[1][metric], v, dt)
                    agg.e_in += e_in
                    agg.e_out += e_out
        prev = (t, values)
    return aggs


def refresh_minutes(conn: Connection, batch: dict[str, list[Record]], max_gap: float) -> dict[str, set[int]]:
    """Recompute the minutes the batch touches, per device, BEFORE the batch's raw rows are written.

    Returns the touched minutes per device."""
    s = schema.sample
    rows, touched = [], {}
    for device, records in batch.items():
        buckets = {floor(r.timestamp, MINUTE) for r in records}
        lo, hi = min(buckets), max(buckets) + MINUTE
        stored = conn.execute(
            select(s.c.ts, s.c.data).where(s.c.device == device, s.c.ts >= ts_of(lo), s.c.ts < ts_of(hi))
        ).all()
        points = {epoch_of(ts): scalars(json.loads(data)) for ts, data in stored}
        points.update((epoch_of(ts_of(r.timestamp)), scalars(r.values)) for r in records)
        before = conn.execute(
            select(s.c.ts, s.c.data).where(s.c.device == device, s.c.ts < ts_of(lo), s.c.ts >= ts_of(lo - max_gap))
            .order_by(s.c.ts.desc()).limit(1)
        ).first()
        prev = (epoch_of(before[0]), scalars(json.loads(before[1]))) if before else None
        units: dict[str, str] = {}
        for r in records:
            units.update(r.units)
        power = {m for p in points.values() for m in p if is_power(m, units.get(m))}
        for (metric, bucket), agg in aggregate(sorted(points.items()), prev, power, max_gap).items():
            if bucket in buckets:
                rows.append(agg.row(device, metric, bucket))
        touched[device] = buckets
    upsert(conn, schema.rollup_1m, rows)
    return touched


def refresh_hours(conn: Connection, minutes: dict[str, set[int]]) -> None:
    """Recompute the hours containing the touched minutes from their 1-minute rows."""
    m = schema.rollup_1m
    rows = []
    for device, buckets in minutes.items():
        hours = {floor(b, HOUR) for b in buckets}
        lo, hi = min(hours), max(hours) + HOUR
        aggs: dict[tuple[str, int], Agg] = defaultdict(Agg)
        for metric, bucket, n, lo_v, mean, hi_v, e_in, e_out in conn.execute(
            select(m.c.metric, m.c.bucket, m.c.n, m.c.minimum, m.c.mean, m.c.maximum, m.c.energy_in_kwh, m.c.energy_out_kwh)
            .where(m.c.device == device, m.c.bucket >= ts_of(lo), m.c.bucket < ts_of(hi))
        ):
            hour = floor(epoch_of(bucket), HOUR)
            if hour not in hours:
                continue
            agg = aggs[(metric, hour)]
            agg.n += n
            agg.total += mean * n
            agg.lo, agg.hi = min(agg.lo, lo_v), max(agg.hi, hi_v)
            if e_in is not None:
                agg.e_in = (agg.e_in or 0.0) + e_in * _J_PER_KWH
                agg.e_out = (agg.e_out or 0.0) + e_out * _J_PER_KWH
        rows.extend(agg.row(device, metric, hour) for (metric, hour), agg in aggs.items())
    upsert(conn, schema.rollup_1h, rows)


def group_by_device(records: Iterable[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.ok:
            out[r.device].append(r)
    return out
