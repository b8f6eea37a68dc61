"""The battery: identical LiFePO4 modules in parallel, each a string of cells in series.

State is the stored charge (Ah). Terminal voltage = cells x (OCV(SoC) + I_module x R_cell), and while
charging near full also the cells' charge overpotential (below). Stored energy is the integral of OCV over
charge, a function of SoC alone, so terminal energy in = delta(stored energy) + losses holds exactly: the
losses are I²R, the overpotential and the coulombic efficiency.

Why the overpotential and the cell spread: a LiFePO4 cell's charge curve leaves its rest curve near full.
The 25 °C charge curves of an LFP cell published with iowrite/soc (src/curve.c, `v_25d2c_chg` at 0.2C and
`v_25d5c_chg` at 0.5C) sit 40-50 mV over the discharge curve on the plateau (the I·R below), then climb
3.405 -> 3.447 -> 3.575 V over their last three points (0.2C; 3.549 V at 0.5C) while the rest curve stays
at ~3.35-3.40 V: a charger at 3.50 V a cell reaches absorption a few % before full, not at 100 % as a rest
curve alone would have it. The knee below (0.2C figures, proportional to the current) is fitted to that
shape on this model's own SoC axis. The cells of a pack differ by a little charge (`cell_soc_spread_pct`),
which the knee turns into tens of mV near full and a few mV on the plateau; the BMS balancer removes the
difference while the cells are above `balance_start_v` and it grows back as the pack cycles. A lowest-cell
threshold therefore behaves as on a real pack: at a charger's 3.50 V average the lowest cell sits below
3.50 V until balancing has brought the cells together.
"""

from __future__ import annotations

import bisect
import random

from solarctl.plant.config import BatteryConfig

# LiFePO4 open-circuit voltage per cell against SoC (%): steep ends, a flat plateau between.
_OCV_SOC = [0.0, 3.0, 7.0, 12.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0, 98.0, 100.0]
_OCV_V = [2.90, 3.05, 3.15, 3.20, 3.24, 3.27, 3.29, 3.30, 3.31, 3.32, 3.33, 3.345, 3.36, 3.40, 3.50]
# Charge overpotential of a cell near full at 0.2C (V), on top of I·R; it scales with the current.
_KNEE_SOC = [0.0, 90.0, 95.0, 98.0, 99.5, 100.0]
_KNEE_V = [0.0, 0.0, 0.03, 0.08, 0.15, 0.20]
# Integral of OCV over SoC (V x %) from 0 to each knot.
_OCV_AREA = [0.0]
for _k in range(1, len(_OCV_SOC)):
    _OCV_AREA.append(_OCV_AREA[-1] + (_OCV_V[_k - 1] + _OCV_V[_k]) / 2.0 * (_OCV_SOC[_k] - _OCV_SOC[_k - 1]))


def _segment(soc: float) -> int:
    return min(max(bisect.bisect_right(_OCV_SOC, soc) - 1, 0), len(_OCV_SOC) - 2)


def _ocv_and_area(soc_pct: float) -> tuple[float, float]:
    """(cell OCV, integral of cell OCV over SoC from 0) at `soc_pct`, clamped to 0..100."""
    s = min(max(soc_pct, 0.0), 100.0)
    k = _segment(s)
    ocv = _OCV_V[k] + (_OCV_V[k + 1] - _OCV_V[k]) * (s - _OCV_SOC[k]) / (_OCV_SOC[k + 1] - _OCV_SOC[k])
    return ocv, _OCV_AREA[k] + (_OCV_V[k] + ocv) / 2.0 * (s - _OCV_SOC[k])


def cell_ocv(soc_pct: float) -> float:
    """Open-circuit voltage of one cell at `soc_pct` (clamped to 0..100)."""
    return _ocv_and_area(soc_pct)[0]


def knee_v(soc_pct: float) -> float:
    """A cell's charge overpotential at 0.2C at `soc_pct` (0 on the plateau)."""
    s = min(max(soc_pct, 0.0), 100.0)
    k = min(max(bisect.bisect_right(_KNEE_SOC, s) - 1, 0), len(_KNEE_SOC) - 2)
    return _KNEE_V[k] + (_KNEE_V[k + 1] - _KNEE_V[k]) * (s - _KNEE_SOC[k]) / (_KNEE_SOC[k + 1] - _KNEE_SOC[k])


def _centred(rng: random.Random, n: int, amplitude: float) -> list[float]:
    """n deterministic offsets with mean 0 and the largest magnitude equal to `amplitude`."""
    raw = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    mean = sum(raw) / n
    raw = [v - mean for v in raw]
    peak = max((abs(v) for v in raw), default=0.0)
    return [amplitude * v / peak if peak > 0 else 0.0 for v in raw]


class Battery:
    def __init__(self, config: BatteryConfig, seed: int) -> None:
        self.config = config
        self.module_count = config.module_count
        self.module_capacity_ah = config.module_capacity_ah
        self.cells = config.cells_in_series
        self.nominal_capacity_ah = config.module_count * config.module_capacity_ah
        # Usable capacity is fixed by the starting state of health; later fade is reported (soh_pct),
        # not applied, so stored energy stays a function of charge alone.
        self.capacity_ah = self.nominal_capacity_ah * config.soh_pct / 100.0
        self._r_pack = config.cell_resistance_ohm * self.cells / self.module_count
        # The knee as a resistance at this SoC: volts at 0.2C over the pack's 0.2C current, for every cell.
        self._knee_per_v = self.cells / (0.2 * self.nominal_capacity_ah)
        self._r_charge = self._r_pack
        self._balance = 1.0  # share of the cells' charge spread the balancer has not yet removed
        self._deviation_cache: dict[int, tuple[tuple, list[float]]] = {}
        self._discharged_ah = 0.0
        self._set_charge(self.capacity_ah * config.initial_soc_pct / 100.0)
        self.current_a = 0.0
        self.power_w = 0.0
        self.voltage_v = self.ocv_v
        self.temperature_c = config.ambient_c

        rng = random.Random(f"battery-{seed}")
        n = self.module_count
        self._current_share = [(1.0 + e) / n for e in _centred(rng, n, config.module_current_imbalance)]
        self._cell_offsets = [_centred(rng, self.cells, config.cell_spread_v) for _ in range(n)]
        self._soc_offsets = _centred(rng, n, config.module_soc_spread_pct)
        self._cell_soc_offsets = [_centred(rng, self.cells, config.cell_soc_spread_pct) for _ in range(n)]
        self._temp_offsets = _centred(rng, n, 1.0)

    # --- pack -----------------------------------------------------------------------------------

    @property
    def soc_pct(self) -> float:
        return 100.0 * self._charge_ah / self.capacity_ah

    def _set_charge(self, charge_ah: float) -> None:
        self._charge_ah = charge_ah
        ocv, area = _ocv_and_area(self.soc_pct)
        self.ocv_v = self.cells * ocv  # pack open-circuit voltage
        self._r_charge = self._r_pack + knee_v(self.soc_pct) * self._knee_per_v
        # Energy stored above empty: cells x capacity x integral of OCV over SoC.
        self.stored_wh = self.cells * self.capacity_ah * area / 100.0

    @property
    def cycles(self) -> float:
        """Equivalent full cycles (charge taken out / nominal capacity), counting the starting value."""
        return self.config.cycles + self._discharged_ah / self.nominal_capacity_ah

    @property
    def soh_pct(self) -> float:
        return max(0.0, self.config.soh_pct - self.config.soh_fade_pct_per_cycle * (self.cycles - self.config.cycles))

    def set_soc(self, soc_pct: float) -> None:
        """Put the pack at `soc_pct` (a scenario set-up, not a flow: energy counters do not see it)."""
        if not 0.0 <= soc_pct <= 100.0:
            raise ValueError(f"soc_pct must be within 0..100, got {soc_pct}")
        self._set_charge(self.capacity_ah * soc_pct / 100.0)
        self.current_a = self.power_w = 0.0
        self.voltage_v = self.ocv_v

    def _r(self, current_a: float) -> float:
        return self._r_charge if current_a > 0.0 else self._r_pack

    def terminal_voltage(self, current_a: float) -> float:
        return self.ocv_v + current_a * self._r(current_a)

    def power_at(self, current_a: float) -> float:
        """Terminal power at `current_a` (positive = charging)."""
        return self.terminal_voltage(current_a) * current_a

    def current_for_power(self, power_w: float) -> float:
        """The current that moves `power_w` through the terminals (the root of r·I² + OCV·I = P)."""
        ocv, r = self.ocv_v, self._r(power_w)
        if r == 0.0 or power_w == 0.0:
            return power_w / ocv
        disc = max(0.0, ocv * ocv + 4.0 * r * power_w)
        # The numerically stable form of (-ocv + sqrt(disc)) / 2r.
        return 2.0 * power_w / (ocv + disc ** 0.5)

    def max_charge_current(self, voltage_limit_v: float, dt: float) -> float:
        """Most charging current the BMS, the charger's voltage limit and the room left allow for `dt` s."""
        room_ah = max(0.0, self.capacity_ah - self._charge_ah)
        limit = min(self.config.module_max_charge_a * self.module_count,
                    room_ah * 3600.0 / (dt * self.config.charge_efficiency))
        headroom = voltage_limit_v - self.ocv_v
        if headroom <= 0.0:
            return 0.0
        if self._r_charge > 0.0:
            limit = min(limit, headroom / self._r_charge)
        return limit

    def max_discharge_current(self, dt: float) -> float:
        """Most discharging current (a positive number) the BMS and the charge left allow for `dt` s."""
        left_ah = self._charge_ah * self.config.discharge_efficiency
        return min(self.config.module_max_discharge_a * self.module_count, left_ah * 3600.0 / dt)

    def apply(self, power_w: float, dt: float) -> float:
        """Move `power_w` (positive = charging) through the terminals for `dt` s; return the loss in Wh."""
        current = self.current_for_power(power_w)
        voltage = self.terminal_voltage(current)
        hours = dt / 3600.0
        if hours <= 0.0:
            self.current_a, self.voltage_v, self.power_w = current, voltage, power_w
            return 0.0
        if current >= 0.0:
            moved_ah = current * hours * self.config.charge_efficiency
        else:
            moved_ah = current * hours / self.config.discharge_efficiency
            self._discharged_ah -= moved_ah
        before = self.stored_wh
        self._set_charge(min(max(self._charge_ah + moved_ah, 0.0), self.capacity_ah))
        loss_wh = power_w * hours - (self.stored_wh - before)
        self.current_a, self.voltage_v, self.power_w = current, voltage, power_w
        # First-order thermal model: heated by the losses, relaxing towards the room temperature.
        cfg = self.config
        target = cfg.ambient_c + max(0.0, loss_wh / hours) * cfg.thermal_resistance_k_per_w
        self.temperature_c += (target - self.temperature_c) * min(1.0, dt / cfg.thermal_time_constant_s)
        self._update_balance(voltage / self.cells, moved_ah, dt)
        return loss_wh

    def _update_balance(self, cell_v: float, moved_ah: float, dt: float) -> None:
        """The balancer works above its start voltage; cycling lets the cells drift apart again."""
        cfg = self.config
        if cell_v >= cfg.balance_start_v:
            self._balance *= max(0.0, 1.0 - dt / cfg.balance_time_constant_s)
        elif moved_ah < 0.0:
            self._balance = min(1.0, self._balance - moved_ah / (self.capacity_ah * cfg.spread_regrow_cycles))

    # --- modules (0-based index) ----------------------------------------------------------------

    def _check(self, i: int) -> int:
        if not 0 <= i < self.module_count:
            raise IndexError(f"module index {i} out of range 0..{self.module_count - 1}")
        return i

    def module_current_a(self, i: int) -> float:
        """Module i's share of the pack current; the shares differ slightly and sum to the pack current."""
        return self.current_a * self._current_share[self._check(i)]

    def cell_voltages(self, i: int) -> list[float]:
        """Per-cell voltages of module i around the pack's mean cell voltage: each cell's charge offset (as
        far as the balancer left it) through the rest curve and, while charging, the knee; plus a fixed
        few-mV spread (sensing, connections)."""
        mean = self.voltage_v / self.cells
        return [mean + d for d in self._deviations(self._check(i))]

    def _deviations(self, i: int) -> list[float]:
        """Each cell's difference from the mean, kept while SoC, current and balance stay put (to 0.01 %, 0.001C,
        0.1 %): strategies look at the cells far more often than these move."""
        soc, amps = self.soc_pct, max(0.0, self.current_a) / (0.2 * self.nominal_capacity_ah)
        key = (round(soc, 2), round(amps, 3), round(self._balance, 3))
        cached = self._deviation_cache.get(i)
        if cached is not None and cached[0] == key:
            return cached[1]
        offsets = [self._balance * o for o in self._cell_soc_offsets[i]]
        own = [cell_ocv(soc + o) + amps * knee_v(soc + o) for o in offsets]
        centre = sum(own) / len(own)
        found = [v - centre + fixed for v, fixed in zip(own, self._cell_offsets[i])]
        self._deviation_cache[i] = (key, found)
        return found

    def module_soc_pct(self, i: int) -> float:
        return min(100.0, max(0.0, self.soc_pct + self._soc_offsets[self._check(i)]))

    def module_temperature_c(self, i: int) -> float:
        return self.temperature_c + self._temp_offsets[self._check(i)]
