"""Energy counters: per-flow totals and hour/day/week/month/year counters on the site's local calendar."""

from __future__ import annotations

import pytest

from plant_helpers import local_epoch, make_plant, run


def test_day_counters_reset_at_local_midnight_not_utc():
    plant = make_plant(local_epoch(2025, 1, 15, 23))  # a Wednesday; Vienna is UTC+1
    run(plant, 1800, dt=60)
    before = plant.counters("load")
    assert before.day == pytest.approx(before.lifetime) and before.hour > 0
    run(plant, 1800, dt=60)  # now exactly local midnight (23:00 UTC)
    at_midnight = plant.counters("load")
    assert at_midnight.day == 0.0 and at_midnight.hour == 0.0
    assert at_midnight.week == pytest.approx(at_midnight.lifetime)  # Thursday: same week
    assert at_midnight.month == pytest.approx(at_midnight.lifetime)
    run(plant, 3600, dt=60)  # 01:00 local = 00:00 UTC: nothing special happens
    later = plant.counters("load")
    assert later.day == pytest.approx(later.lifetime - at_midnight.lifetime)
    assert later.day > 0 and later.hour == 0.0


def test_hour_counter_holds_only_the_current_local_hour():
    plant = make_plant(local_epoch(2025, 6, 10, 12, 0))
    run(plant, 3600, dt=60)
    at_13 = plant.energy.total_wh("pv")
    assert plant.counters("pv").hour == 0.0
    run(plant, 1200, dt=60)
    c = plant.counters("pv")
    assert c.hour == pytest.approx((plant.energy.total_wh("pv") - at_13) / 1000)
    assert 0 < c.hour < c.day
    assert c.day == pytest.approx(c.lifetime)


@pytest.mark.parametrize(
    ("start", "reset", "kept"),
    [
        ((2025, 1, 31, 23), {"day", "month"}, {"week", "year"}),  # Friday -> Saturday, new month
        ((2025, 12, 31, 23), {"day", "month", "year"}, {"week"}),  # Wednesday -> Thursday, new year
        ((2025, 3, 16, 23), {"day", "week"}, {"month", "year"}),  # Sunday -> Monday, new ISO week
    ],
)
def test_periods_reset_at_their_local_start(start, reset, kept):
    plant = make_plant(local_epoch(*start))
    run(plant, 1800, dt=30)
    before = plant.counters("load")
    assert before.day > 0
    run(plant, 1800, dt=30)  # local midnight
    after = plant.counters("load")
    for period in reset:
        assert getattr(after, period) == 0.0, period
    for period in kept:
        assert getattr(after, period) == pytest.approx(after.lifetime), period


def test_a_dst_day_has_23_local_hours():
    plant = make_plant(local_epoch(2025, 3, 30), max_substep_s=60)  # clocks go forward at 02:00
    run(plant, 23 * 3600 - 60, dt=60)
    c = plant.counters("load")
    assert c.day == pytest.approx(c.lifetime)
    run(plant, 60, dt=60)
    assert plant.counters("load").day == 0.0  # 23 h after local midnight it is local midnight again


def test_a_big_step_across_midnight_books_energy_on_the_right_day():
    start = local_epoch(2025, 6, 20, 23, 30) + 2.5
    coarse = make_plant(start)
    coarse.step(3600)
    fine = make_plant(start)
    run(fine, 3600, dt=1.0)
    for flow in ("load", "grid_import", "losses"):
        a, b = coarse.counters(flow), fine.counters(flow)
        assert a.day > 0 and a.day < a.lifetime
        # (The sub-step grids differ slightly after midnight, hence not identical.)
        assert a.day == pytest.approx(b.day, rel=1e-4)
        assert a.lifetime == pytest.approx(b.lifetime, rel=1e-4)


def test_big_steps_integrate_like_small_ones():
    """step(dt) sub-steps internally: one 6-hour step equals 4320 steps of 5 s."""
    start = local_epoch(2025, 6, 21, 6)
    coarse = make_plant(start, {"grid_support": True})
    coarse.step(6 * 3600)
    fine = make_plant(start, {"grid_support": True})
    run(fine, 6 * 3600, dt=5.0)
    assert coarse.time == fine.time
    assert coarse.battery.soc_pct == pytest.approx(fine.battery.soc_pct, rel=1e-9)
    for flow in coarse.energy.flows:
        assert coarse.energy.total_wh(flow) == pytest.approx(fine.energy.total_wh(flow), rel=1e-9, abs=1e-9)


def test_flows_per_array_add_up_and_unknown_flows_are_named():
    plant = make_plant(local_epoch(2025, 6, 21, 8), battery={"initial_soc_pct": 20})
    run(plant, 3600, dt=60)
    e = plant.energy
    assert e.total_wh("pv.east") > e.total_wh("pv.west") > 0  # morning
    assert e.total_wh("pv") == pytest.approx(e.total_wh("pv.east") + e.total_wh("pv.west"))
    assert e.total_wh("losses") == pytest.approx(
        e.total_wh("losses_mppt") + e.total_wh("losses_inverter") + e.total_wh("losses_battery"))
    assert plant.counters("pv").lifetime == pytest.approx(e.total_wh("pv") / 1000)
    with pytest.raises(KeyError, match="pv.west"):
        plant.counters("solar")
