"""The installation as a whole: which power metric plays which role, the installation's own rollups, and
the daily energy summary (PV, load, grid import/export, battery in/out, self-consumption, autarky).

Roles ("device.metric") come from [storage.energy] or, when empty there, from the drivers' metric catalogues
(the metrics with role pv_power, load_power, grid_power, battery_power; of the lowest rank present).

The 1-minute rollups of the device `(installation)` (a name no configured device can have) hold, per minute,
the summed mean power and energy of each role (pv_power, load_power, grid_power, battery_power) and the mean
state of charge of the battery devices (soc); minimum/maximum are NULL (the extremes of a sum are not known
from its parts) and n counts minutes. Dashboards read one key range per curve instead of joining devices.

The daily summary adds up the 1-minute energy of each role over the local day of [storage] timezone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from solarctl.devices import registry
from solarctl.store import rollup, schema
from solarctl.store.config import StorageConfig
from solarctl.store.rows import epoch_of, ts_of
from solarctl.store.upsert import stamper, upsert, upsert_rows

Roles = dict[str, list[tuple[str, str]]]
INSTALLATION = "(installation)"

ENERGY_ROLES = ("pv", "load", "grid", "battery")  # [storage.energy] keys; each is the catalogues' "<key>_power"


def roles(storage: StorageConfig, drivers: Mapping[str, str]) -> Roles:
    out: Roles = {}
    for role in ENERGY_ROLES:
        given = getattr(storage.energy, role)
        if given:
            out[role] = [tuple(item.split(".", 1)) for item in given]
            continue
        out[role] = registry.role_sources(f"{role}_power", drivers)
    return out


def refresh_installation(conn: Connection, minutes: dict[str, rollup.Minutes], role_map: Roles,
                         stamp: Callable[[float], Any] | None = None) -> rollup.Minutes | None:
    """Recompute the installation's minutes over the span the role devices' refreshed minutes cover."""
    spans = [minutes[dev] for pairs in role_map.values() for dev, _ in pairs if dev in minutes]
    if not spans:
        return None
    stamp = stamp or stamper(conn.dialect.name)
    lo, hi = min(m.lo for m in spans), max(m.hi for m in spans)
    m = schema.rollup_1m
    aggs: dict[tuple[str, int], list[Any]] = {}  # rollup.minute_aggs' lists: n counts minutes, no minimum/maximum
    sources = [(f"{role}_power", dev, metric) for role, pairs in role_map.items() for dev, metric in pairs]
    sources += [("soc", dev, "soc") for dev, _ in role_map.get("battery", [])]
    soc_devices: dict[int, int] = defaultdict(int)
    for name, device, metric in sources:
        for bucket, mean, e_in, e_out in conn.execute(
            select(m.c.bucket, m.c.mean, m.c.energy_in_kwh, m.c.energy_out_kwh)
            .where(m.c.device == device, m.c.metric == metric, m.c.bucket >= ts_of(lo), m.c.bucket < ts_of(hi))
        ):
            b = int(epoch_of(bucket))
            key = (name, b)
            agg = aggs[key] if key in aggs else aggs.setdefault(key, [1, None, None, 0.0, None, None])
            agg[rollup.TOTAL] += mean
            if name == "soc":
                soc_devices[b] += 1
            elif e_in is not None:
                agg[rollup.E_IN] = (agg[rollup.E_IN] or 0.0) + e_in * rollup._J_PER_KWH
                agg[rollup.E_OUT] = (agg[rollup.E_OUT] or 0.0) + e_out * rollup._J_PER_KWH
    for (name, b), agg in aggs.items():
        if name == "soc":
            agg[rollup.TOTAL] /= soc_devices[b]  # mean over the battery devices, not the sum
    upsert_rows(conn, schema.rollup_1m, rollup.ROLLUP_COLUMNS, [rollup.rollup_row(INSTALLATION, name, stamp(b), agg) for (name, b), agg in aggs.items()])
    return rollup.Minutes(lo, hi, aggs)


def local_days(buckets: Iterable[int], zone: ZoneInfo) -> set[date]:
    return {datetime.fromtimestamp(b, zone).date() for b in buckets}


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as naive UTC [start, end)."""
    def utc(d: date) -> datetime:
        return datetime.combine(d, time(), zone).astimezone(timezone.utc).replace(tzinfo=None)
    return utc(day), utc(day + timedelta(days=1))


def refresh_days(conn: Connection, days: set[date], role_map: Roles, zone: ZoneInfo) -> None:
    m = schema.rollup_1m
    rows = []
    for day in sorted(days):
        lo, hi = day_bounds(day, zone)
        sums: dict[str, list[float]] = {}
        for role, pairs in role_map.items():
            total = [0.0, 0.0]
            for device, metric in pairs:
                e_in, e_out = conn.execute(
                    select(func.sum(m.c.energy_in_kwh), func.sum(m.c.energy_out_kwh))
                    .where(m.c.device == device, m.c.metric == metric, m.c.bucket >= lo, m.c.bucket < hi)
                ).one()
                total[0] += e_in or 0.0
                total[1] += e_out or 0.0
            sums[role] = total
        rows.append(summary(day, sums))
    upsert(conn, schema.energy_daily, rows)


def summary(day: date, sums: dict[str, list[float]]) -> dict[str, Any]:
    pv, load = sums["pv"][0], sums["load"][0]
    grid_in, grid_out = sums["grid"]
    return {
        "day": day, "pv_kwh": pv, "load_kwh": load, "grid_import_kwh": grid_in, "grid_export_kwh": grid_out,
        "battery_in_kwh": sums["battery"][0], "battery_out_kwh": sums["battery"][1],
        "self_consumption": _ratio(pv - grid_out, pv), "autarky": _ratio(load - grid_in, load),
    }


def _ratio(part: float, whole: float) -> float | None:
    return min(1.0, max(0.0, part / whole)) if whole > 0 else None
