"""The cost-optimal battery schedule over a horizon: one linear programme, solved by HiGHS (scipy).

Per step t (length h = step_s): grid import/export, battery charge/discharge (DC, terminals), PV used
(DC, at most what is available: the rest is curtailed), the inverter's DC->AC and AC->DC flows, unmet
load, and the stored energy at the step's end. Two buses:

    DC:  pv_used + discharge + eta_inv * to_dc          = charge + to_ac
    AC:  import + eta_inv * to_ac + unmet               = load + idle + export + to_dc
    store[t] = store[t-1] + h * (eta_c * charge - discharge / eta_d)

Cost = sum of h * (import price(t) * import - feed_in * export); unmet load is a slack priced far above
any tariff, so a horizon the site cannot supply still solves and says how much went unserved.
HiGHS' time grows faster than the horizon, so long horizons are solved in rolling windows of a few
days whose end values what is left stored (`optimum`); a year at 5-minute steps takes ~10 s of CPU.
scipy/numpy are imported here only: `pip install solarctl[optimize]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from solarctl.optimize.limits import Limits
from solarctl.optimize.tariff import Tariff
from solarctl.plant.extras import MissingExtraError

__all__ = ["Limits", "Schedule", "Tariff", "optimum", "OptimizeError"]

UNMET_PRICE_FACTOR = 100.0  # unmet load costs this many times the dearest import price (and at least 10/kWh)
CYCLE_TIE_BREAK = 1e-6  # per kWh through the battery: of two equal plans, the one that cycles less
SOLVER_METHOD = "highs-ds"  # dual simplex: the fastest on windows of a few days (ipm: 2x slower)
WINDOW_S = 5 * 86400.0  # one solve at most this long ...
COMMIT_S = 3 * 86400.0  # ... of which this much is kept: the rest looks ahead
_VARIABLES = ("grid_import", "grid_export", "charge", "discharge", "pv_used", "to_ac", "to_dc", "unmet", "store")


class OptimizeError(RuntimeError):
    """The solver found no schedule, as one sentence."""


@dataclass(frozen=True)
class Schedule:
    cost: float  # import cost less feed-in revenue over the horizon (the unmet-load penalty not included)
    grid_import_kwh: float
    grid_export_kwh: float
    unmet_kwh: float  # load the site could not supply (grid and inverter limits)
    battery_w: list[float]  # per step, DC at the terminals, + = charging
    soc_pct: list[float]  # per step, at the step's end
    grid_w: list[float]  # per step, + = import
    pv_used_w: list[float]  # per step, DC; available - used was curtailed
    step_s: float


def _need_scipy():
    try:
        import numpy as np
        from scipy import sparse
        from scipy.optimize import linprog
    except ImportError:
        raise MissingExtraError("the optimiser needs scipy: install it with `pip install solarctl[optimize]`") from None
    return np, sparse, linprog


def optimum(pv_w: Sequence[float], load_w: Sequence[float], step_s: float, limits: Limits, tariff: Tariff,
            start: float, zone: str, *, end_value: float = 0.0) -> Schedule:
    """The cheapest schedule for PV `pv_w` (DC available) and `load_w` (AC) per step of `step_s` from epoch `start`;
    `end_value`: what a kWh left stored at the end is worth (0: a horizon that is all there is).

    A horizon longer than WINDOW_S is solved window by window: each window's first COMMIT_S are kept and
    the next window starts from where they end (HiGHS' time grows faster than the horizon; a battery's
    decisions look a day or two ahead, so the rolling optimum matches the one-piece one, see tests)."""
    np, sparse, linprog = _need_scipy()
    pv = np.maximum(np.asarray(pv_w, dtype=float), 0.0)
    load = np.asarray(load_w, dtype=float) + limits.idle_w
    n = len(pv)
    if len(load) != n or n == 0:
        raise ValueError(f"pv_w and load_w must have the same non-zero length (got {len(pv)} and {len(load_w)})")
    kwh = limits.battery_kwh
    store_min, store_max = kwh * limits.soc_min_pct / 100.0, kwh * limits.soc_max_pct / 100.0
    initial = kwh * limits.initial_soc_pct / 100.0
    if not store_min - 1e-9 <= initial <= store_max + 1e-9:
        raise ValueError(f"initial SoC {limits.initial_soc_pct} % lies outside {limits.soc_min_pct}..{limits.soc_max_pct} %")
    final = store_min if limits.final_soc_pct is None else min(store_max, max(store_min, kwh * limits.final_soc_pct / 100.0))
    price = np.asarray(tariff.import_prices(start, step_s, n, zone))
    lp = _Programme(np, sparse, linprog, step_s, limits, tariff.feed_in, max(10.0, UNMET_PRICE_FACTOR * float(price.max())))
    window, commit = max(1, round(WINDOW_S / step_s)), max(1, round(COMMIT_S / step_s))
    pieces, first = [], 0
    while True:
        last = n <= first + window
        end = n if last else first + window
        # A window that is not the last values what it leaves stored at the cheapest import it would replace.
        leftover = end_value if last else float(price[first:end].min()) * limits.discharge_efficiency * limits.inverter_efficiency
        piece = lp.solve(pv[first:end], load[first:end], price[first:end], initial, final if last else store_min, leftover)
        keep = end - first if last else commit
        pieces.append({name: values[:keep] for name, values in piece.items()})
        if last:
            break
        initial = float(piece["store"][keep - 1])
        first += keep
    values = {name: np.concatenate([p[name] for p in pieces]) for name in _VARIABLES}
    h = step_s / 3600.0
    exported = float(values["grid_export"].sum() * h / 1000.0)
    return Schedule(
        cost=float((values["grid_import"] * price).sum() * h / 1000.0 - exported * tariff.feed_in),
        grid_import_kwh=float(values["grid_import"].sum() * h / 1000.0),
        grid_export_kwh=exported,
        unmet_kwh=float(values["unmet"].sum() * h / 1000.0),
        battery_w=(values["charge"] - values["discharge"]).tolist(),
        soc_pct=(100.0 * values["store"] / kwh if kwh > 0 else np.zeros(n)).tolist(),
        grid_w=(values["grid_import"] - values["grid_export"]).tolist(),
        pv_used_w=values["pv_used"].tolist(),
        step_s=step_s,
    )


class _Programme:
    """The LP of one window, built with sparse matrices and solved by HiGHS."""

    def __init__(self, np, sparse, linprog, step_s: float, limits: Limits, feed_in: float, unmet_price: float) -> None:
        self.np, self.sparse, self.linprog = np, sparse, linprog
        self.h = step_s / 3600.0
        self.limits = limits
        self.feed_in = feed_in
        self.unmet_price = unmet_price

    def solve(self, pv, load, price, initial_kwh: float, final_min_kwh: float, leftover_value: float) -> dict:
        np, limits, h = self.np, self.limits, self.h
        n = len(pv)
        eta_inv, eta_c, eta_d = limits.inverter_efficiency, limits.charge_efficiency, limits.discharge_efficiency
        block = {name: i * n for i, name in enumerate(_VARIABLES)}
        count = len(_VARIABLES) * n
        rows = np.arange(n)

        def part(row_offset: int, var: str, coefficient: float) -> tuple:
            return row_offset + rows, block[var] + rows, np.full(n, coefficient)

        parts = [
            # DC bus (rows 0..n-1)
            part(0, "pv_used", 1.0), part(0, "discharge", 1.0), part(0, "to_dc", eta_inv),
            part(0, "charge", -1.0), part(0, "to_ac", -1.0),
            # AC bus (rows n..2n-1)
            part(n, "grid_import", 1.0), part(n, "to_ac", eta_inv), part(n, "unmet", 1.0),
            part(n, "grid_export", -1.0), part(n, "to_dc", -1.0),
            # Stored energy (rows 2n..3n-1), kWh
            part(2 * n, "store", 1.0), part(2 * n, "charge", -h * eta_c / 1000.0),
            part(2 * n, "discharge", h / eta_d / 1000.0),
            (2 * n + rows[1:], block["store"] + rows[:-1], -np.ones(n - 1)),
        ]
        r, c, v = (np.concatenate(x) for x in zip(*parts))
        a_eq = self.sparse.csc_array((v, (r, c)), shape=(3 * n, count))
        b_eq = np.concatenate([np.zeros(n), load, np.zeros(n)])
        b_eq[2 * n] = initial_kwh

        cost = np.zeros(count)
        cost[block["grid_import"]:][:n] = h * price / 1000.0
        cost[block["grid_export"]:][:n] = -h * self.feed_in / 1000.0
        cost[block["unmet"]:][:n] = h * self.unmet_price / 1000.0
        cost[block["charge"]:][:n] = CYCLE_TIE_BREAK * h / 1000.0
        cost[block["discharge"]:][:n] = CYCLE_TIE_BREAK * h / 1000.0
        cost[-1] = -leftover_value  # per kWh stored at the end

        low, high = np.zeros(count), np.empty(count)
        for var, top in (("grid_import", limits.grid_import_max_w), ("grid_export", limits.grid_export_max_w),
                         ("charge", limits.charge_max_w), ("discharge", limits.discharge_max_w),
                         ("to_ac", limits.inverter_max_w / eta_inv), ("to_dc", min(limits.inverter_max_w, limits.grid_charge_max_w))):
            high[block[var]:][:n] = top  # UNLIMITED is inf, which HiGHS reads as no bound
        high[block["pv_used"]:][:n] = pv
        high[block["unmet"]:][:n] = np.maximum(load, 0.0)
        low[block["store"]:] = limits.battery_kwh * limits.soc_min_pct / 100.0
        high[block["store"]:] = limits.battery_kwh * limits.soc_max_pct / 100.0
        low[-1] = max(low[-1], final_min_kwh)

        result = self.linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=np.column_stack([low, high]),
                              method=SOLVER_METHOD)
        if result.status != 0 or result.x is None:
            raise OptimizeError(f"HiGHS found no schedule ({result.message}); check the limits for contradictions")
        return {name: result.x[block[name]:][:n] for name in _VARIABLES}
