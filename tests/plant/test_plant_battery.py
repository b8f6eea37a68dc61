"""Battery: LiFePO4 OCV curve, terminal voltage, limits, losses, cycles, and the per-module views."""

from __future__ import annotations

import pytest

from solarctl.plant.battery import Battery, cell_ocv
from solarctl.plant.config import BatteryConfig

R_CELL = 0.002


def battery(seed: int = 1, **overrides) -> Battery:
    return Battery(BatteryConfig(**overrides), seed)


def test_ocv_curve_has_steep_ends_and_a_flat_plateau():
    assert cell_ocv(0) == pytest.approx(2.9, abs=0.05)
    assert 3.45 <= cell_ocv(100) <= 3.5
    assert all(3.28 <= cell_ocv(s) <= 3.35 for s in range(35, 91, 5))
    socs = [s / 2 for s in range(201)]
    volts = [cell_ocv(s) for s in socs]
    assert volts == sorted(volts)
    assert cell_ocv(10) - cell_ocv(0) > 5 * (cell_ocv(60) - cell_ocv(50))  # steep low end
    assert cell_ocv(100) - cell_ocv(95) > 5 * (cell_ocv(60) - cell_ocv(55))  # steep top


def test_defaults_are_six_us2000b_plus_modules():
    b = battery()
    assert (b.module_count, b.module_capacity_ah, b.cells, b.nominal_capacity_ah) == (6, 50.0, 15, 300.0)
    assert 48.0 <= b.ocv_v <= 50.5  # 60 % on the plateau
    assert b.stored_wh == pytest.approx(0.6 * 300 * 0.97 * 48.9, rel=0.03)


def test_terminal_voltage_is_cells_times_ocv_plus_ir():
    b = battery(initial_soc_pct=50)
    ocv = cell_ocv(50)
    b.apply(3000.0, 1.0)
    per_module = b.current_a / 6
    assert b.current_a > 0 and b.voltage_v * b.current_a == pytest.approx(3000.0)
    assert b.voltage_v == pytest.approx(15 * (ocv + per_module * R_CELL), rel=1e-6)
    b.apply(-3000.0, 1.0)
    assert b.current_a < 0 and b.voltage_v < 15 * cell_ocv(b.soc_pct)


def test_round_trip_loses_energy_and_the_losses_balance_exactly():
    b = battery(initial_soc_pct=50)
    stored, loss, moved = b.stored_wh, 0.0, 0.0
    for _ in range(720):  # 1 h of 2.5 kW in, then out until back at 50 %
        loss += b.apply(2500.0, 5.0)
        moved += 2500.0 * 5.0 / 3600
    out = 0.0
    while b.soc_pct > 50:
        loss += b.apply(-2500.0, 5.0)
        out += 2500.0 * 5.0 / 3600
    assert moved - out == pytest.approx(b.stored_wh - stored + loss, abs=1e-6)
    assert 0.94 < out / moved < 0.99  # round trip
    assert loss > 0


def test_limits_respect_the_bms_and_the_charge_left():
    b = battery(initial_soc_pct=50)
    assert b.max_discharge_current(5.0) == pytest.approx(6 * 50.0)
    assert b.max_charge_current(52.5, 5.0) == pytest.approx(6 * 25.0)
    b.set_soc(0.0)
    assert b.max_discharge_current(5.0) == 0.0
    b.set_soc(100.0)
    assert b.max_charge_current(52.5, 5.0) == 0.0
    b.set_soc(99.5)  # near the top, the charger's voltage limit is what holds the current back
    assert 0 < b.max_charge_current(52.5, 5.0) < 6 * 25.0


def test_cycles_count_full_equivalents_and_soh_fades():
    b = battery(initial_soc_pct=100, cycles=100, soh_pct=95, soh_fade_pct_per_cycle=0.01)
    while b.soc_pct > 5:
        b.apply(-5000.0, 5.0)
    charge_out_ah = (1.0 - b.soc_pct / 100) * b.capacity_ah / 0.99
    assert b.cycles == pytest.approx(100 + charge_out_ah / 300, rel=1e-3)
    assert b.soh_pct == pytest.approx(95 - 0.01 * (b.cycles - 100))


def test_module_currents_differ_slightly_and_sum_to_the_pack():
    b = battery(initial_soc_pct=50)
    b.apply(-4000.0, 5.0)
    currents = [b.module_current_a(i) for i in range(6)]
    assert sum(currents) == pytest.approx(b.current_a)
    share = b.current_a / 6
    assert all(abs(c - share) <= 0.03 * abs(share) + 1e-12 for c in currents)
    assert len({round(c, 6) for c in currents}) == 6
    twin = battery(initial_soc_pct=50)
    twin.apply(-4000.0, 5.0)
    assert [twin.module_current_a(i) for i in range(6)] == currents  # deterministic per seed
    with pytest.raises(IndexError):
        b.module_current_a(6)
    with pytest.raises(IndexError):
        b.module_current_a(-1)


def test_cell_voltages_spread_a_few_mv_stably_around_the_pack_mean():
    b = battery(initial_soc_pct=50)
    before = [b.cell_voltages(i) for i in range(6)]
    for cells in before:
        assert len(cells) == 15
        assert sum(cells) / 15 == pytest.approx(b.voltage_v / 15)
        assert 0.002 <= max(cells) - min(cells) <= 0.010
    pattern = [[v - b.voltage_v / 15 for v in cells] for cells in before]
    for _ in range(100):
        b.apply(3000.0, 5.0)
    after = [b.cell_voltages(i) for i in range(6)]
    for cells, offsets in zip(after, pattern):
        assert sum(cells) / 15 == pytest.approx(b.voltage_v / 15)  # follows the pack
        assert [v - b.voltage_v / 15 for v in cells] == pytest.approx(offsets)  # same spread
    assert after[0][0] > before[0][0]
    assert battery(seed=2).cell_voltages(0) != battery(seed=1).cell_voltages(0)
    assert battery(seed=1).cell_voltages(0) == battery(seed=1).cell_voltages(0)


def test_module_soc_and_temperature_views():
    b = battery(initial_soc_pct=50)
    socs = [b.module_soc_pct(i) for i in range(6)]
    assert sum(socs) / 6 == pytest.approx(50.0)
    assert all(abs(s - 50) <= 1.0 + 1e-9 for s in socs)
    start = b.temperature_c
    for _ in range(720):  # an hour at 100 A
        b.apply(-5000.0, 5.0)
    assert b.temperature_c > start + 0.1
    assert all(abs(b.module_temperature_c(i) - b.temperature_c) <= 1.0 for i in range(6))
