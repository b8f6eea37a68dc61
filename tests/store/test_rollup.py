"""Rollups, energy integration, the daily summary and retention."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import func, select

from solarctl.sample import Sample
from solarctl.store import migrate, retention, schema
from solarctl.store.config import StorageConfig
from solarctl.store.engine import make_engine
from solarctl.store.records import encode
from solarctl.store.rollup import aggregate, trapezoid
from solarctl.store.writer import BatchWriter

DAY0 = 1_717_200_000.0  # 2024-06-01 00:00 UTC
DRIVERS = {"xw": "conext_xw", "west": "conext_mppt", "stack": "pylontech_console"}


def test_trapezoid_splits_at_zero_crossing():
    assert trapezoid(100, 100, 10) == (1000, 0)
    assert trapezoid(-50, -150, 2) == (0, 200)
    pos, neg = trapezoid(100, -100, 10)  # crosses zero halfway
    assert pos == pytest.approx(250) and neg == pytest.approx(250)


def test_aggregate_min_mean_max_energy_and_gap():
    pts = [(0.0, {"p_power": 100.0, "v": 1.0}), (30.0, {"p_power": 300.0, "v": 3.0}), (90.0, {"p_power": 300.0, "v": 5.0}),
           (1000.0, {"p_power": 300.0, "v": 5.0})]  # the last follows a 910 s gap: not bridged
    aggs = aggregate(pts, None, {"p_power"}, max_gap=300, width=60)
    v0 = aggs[("v", 0)]
    assert (v0.n, v0.lo, v0.total / v0.n, v0.hi) == (2, 1.0, 2.0, 3.0)
    assert aggs[("p_power", 0)].e_in == pytest.approx((100 + 300) / 2 * 30)
    assert aggs[("p_power", 60)].e_in == pytest.approx(300 * 60)
    assert aggs[("p_power", 960)].e_in == 0.0
    assert aggs[("v", 0)].e_in is None  # not a power metric


def plant(i: int, step: float = 60.0) -> list[Sample]:
    """A day at 1-minute steps: PV a half sine 06-18 h peaking at 3 kW, load 500 W, battery -> grid balance."""
    t = DAY0 + i * step
    hour = (t - DAY0) / 3600
    pv = max(0.0, 3000 * math.sin(math.pi * (hour - 6) / 12)) if 6 <= hour <= 18 else 0.0
    grid = 500.0 - pv  # + import, - export
    return [Sample("xw", t, {"device_name": "XW", "load_power": 500.0, "grid_power": grid}, {"load_power": "W", "grid_power": "W"}),
            Sample("west", t, {"device_name": "MPPT: West", "dc_output_power": pv}, {"dc_output_power": "W"}),
            Sample("stack", t, {"soc": 50.0, "power": 0.0, "modules": []}, {"power": "W", "soc": "%"})]


def write(url: str, samples: list[Sample], batch: int, **storage) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    writer = BatchWriter(engine, DRIVERS, StorageConfig(**storage))
    recs = [encode(s)[1] for s in samples]
    for i in range(0, len(recs), batch):
        writer.write(recs[i: i + batch])
    engine.dispose()


def table(url: str, t) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = sorted(tuple(r) for r in conn.execute(select(t)))
    engine.dispose()
    return rows


def test_daily_energy_summary_matches_the_integral(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    write(url, [s for i in range(24 * 60) for s in plant(i)], batch=500)
    (row,) = table(url, schema.energy_daily)
    day, pv, load, imp, exp, b_in, b_out, self_cons, autarky = row
    assert day == date(2024, 6, 1)
    assert pv == pytest.approx(3.0 * 24 / math.pi, rel=2e-3)  # ∫ 3 kW sin over 12 h = 22.92 kWh
    assert load == pytest.approx(0.5 * (24 * 60 - 1) / 60, rel=1e-6)
    assert imp - exp == pytest.approx(load - pv, rel=1e-3)  # energy balance (no battery flow here)
    assert self_cons == pytest.approx((pv - exp) / pv) and 0 < self_cons < 1
    assert autarky == pytest.approx((load - imp) / load) and 0 < autarky < 1
    assert (b_in, b_out) == (0.0, 0.0)
    engine = make_engine(url)
    with engine.connect() as conn:
        h = schema.rollup_1h
        hours = conn.execute(select(func.count(), func.sum(h.c.energy_in_kwh)).where(h.c.device == "west", h.c.metric == "dc_output_power")).one()
        peak = conn.execute(select(h.c.maximum).where(h.c.metric == "dc_output_power").order_by(h.c.maximum.desc()).limit(1)).scalar()
        one = conn.execute(select(h.c.n, h.c.minimum, h.c.mean, h.c.maximum).where(h.c.device == "xw", h.c.metric == "load_power").limit(1)).one()
    assert hours[0] == 24 and hours[1] == pytest.approx(pv)
    with engine.connect() as conn:  # the installation's own rows: the role sums, one key range per curve
        h = schema.rollup_1h
        whole = dict(conn.execute(select(h.c.metric, func.sum(h.c.energy_in_kwh)).where(h.c.device == "(installation)").group_by(h.c.metric)).all())
        noon = conn.execute(select(h.c.mean, h.c.minimum).where(h.c.device == "(installation)", h.c.metric == "load_power")).first()
    assert whole["pv_power"] == pytest.approx(pv) and whole["load_power"] == pytest.approx(load)
    assert noon == (500.0, None)
    engine.dispose()
    assert peak == pytest.approx(3000, rel=1e-3)
    assert tuple(one) == (60, 500.0, 500.0, 500.0)


def test_rollups_do_not_depend_on_batching_or_redelivery(tmp_path):
    samples = [s for i in range(180) for s in plant(i + 600, step=7.0)]
    a, b = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    write(a, samples, batch=10_000)
    write(b, samples[:200], batch=7)
    write(b, samples, batch=13)  # overlapping re-delivery in other batch sizes
    for t in (schema.rollup_1m, schema.rollup_1h, schema.energy_daily):
        ra, rb = table(a, t), table(b, t)
        assert len(ra) == len(rb) > 0
        for x, y in zip(ra, rb):
            assert x[:3] == y[:3]
            assert [v is None for v in x] == [v is None for v in y]
            assert [v for v in x[3:] if v is not None] == pytest.approx([v for v in y[3:] if v is not None], rel=1e-9, abs=1e-12)


def test_local_day_boundaries_follow_the_timezone(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    write(url, [s for i in range(0, 24 * 60, 5) for s in plant(i)], batch=1000, timezone="Asia/Kolkata")  # UTC+05:30
    assert [r[0] for r in table(url, schema.energy_daily)] == [date(2024, 6, 1), date(2024, 6, 2)]


def test_retention_prunes_raw_and_minutes_keeps_hours(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    write(url, [s for i in range(0, 3 * 24 * 60, 30) for s in plant(i)], batch=1000)
    engine = make_engine(url)
    cfg = StorageConfig(raw_retention_days=1, rollup_1m_retention_days=2)
    deleted = retention.prune(engine, cfg, now=DAY0 + 3 * 86400)
    assert deleted["sample"] > 0 and deleted["conext_xw"] > 0 and deleted["rollup_1m"] > 0
    with engine.connect() as conn:
        oldest_raw = conn.execute(select(func.min(schema.sample.c.ts))).scalar()
        oldest_min = conn.execute(select(func.min(schema.rollup_1m.c.bucket))).scalar()
        hours = conn.execute(select(func.count()).select_from(schema.rollup_1h).where(schema.rollup_1h.c.device == "xw",
                                                                                       schema.rollup_1h.c.metric == "load_power")).scalar()
    engine.dispose()
    assert str(oldest_raw).startswith("2024-06-03") and str(oldest_min).startswith("2024-06-02")
    assert hours == 72


def test_aggregate_skips_text_nan_and_lists_in_numeric_metrics():
    pts = [(0.0, {"v": 1.0, "s": "Bulk", "l": [1.0]}), (10.0, {"v": "n/a"}), (20.0, {"v": float("nan")}), (30.0, {"v": 3, "flag": True})]
    aggs = aggregate(pts, None, set(), max_gap=300, width=60)
    assert set(aggs) == {("v", 0), ("flag", 0)}
    assert (aggs[("v", 0)].n, aggs[("v", 0)].total) == (2, 4.0)
