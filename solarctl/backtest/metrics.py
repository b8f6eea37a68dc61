"""The figures of one run: energy, cost under a tariff, self-consumption, battery use, writes, comfort.

Self-consumption = PV used on site / PV produced; autarky = load not drawn from the grid / load.
Equivalent full cycles = energy discharged / the battery's energy between 0 and 100 % SoC.
`balance_error_kwh` is what the energy balance PV + import = load + export + Δbattery + losses
misses by (rounding only: the plant books every sub-step's flows exactly).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from solarctl.backtest.replay import Trace


@dataclass(frozen=True)
class Figures:
    name: str
    grid_import_kwh: float
    grid_export_kwh: float
    cost: float
    pv_kwh: float | None = None
    load_kwh: float | None = None
    self_consumption_pct: float | None = None
    autarky_pct: float | None = None
    battery_throughput_kwh: float | None = None  # charged + discharged
    equivalent_full_cycles: float | None = None
    setting_writes: int | None = None
    refused_writes: int | None = None  # over the daily budget, or not accepted by the device
    mode_switches: int | None = None
    hours_below_min_soc: float | None = None
    unmet_load_kwh: float | None = None
    losses_kwh: float | None = None
    battery_delta_kwh: float | None = None
    balance_error_kwh: float | None = None
    cost_ratio: float | None = None  # to the optimum
    import_ratio: float | None = None
    static_gap_closed_pct: float | None = None  # of the cost gap between `static` and the optimum: the headline
    gap_closed_pct: float | None = None  # of the cost gap between `none` and the optimum
    setting: str | None = None  # `static`: the fixed configuration that was cheapest

    def as_dict(self) -> dict:
        return asdict(self)


def step_cost(import_kwh: list[float], export_kwh: list[float], import_prices: list[float], feed_in: float) -> float:
    return sum(i * p for i, p in zip(import_kwh, import_prices)) - feed_in * sum(export_kwh)


def figures(trace: Trace, import_prices: list[float], feed_in: float, min_soc_pct: float) -> Figures:
    kwh = {flow: sum(values) / 1000.0 for flow, values in trace.wh.items()}
    pv, load = kwh["pv"], kwh["load"]
    imported, exported = kwh["grid_import"], kwh["grid_export"]
    delta = (trace.stored_wh[-1] - trace.stored_wh_start) / 1000.0 if trace.steps else 0.0
    writes = [a for a in trace.applied if not a.unchanged]
    return Figures(
        name=trace.name,
        grid_import_kwh=imported,
        grid_export_kwh=exported,
        cost=step_cost([w / 1000.0 for w in trace.wh["grid_import"]], [w / 1000.0 for w in trace.wh["grid_export"]],
                       import_prices, feed_in),
        pv_kwh=pv,
        load_kwh=load,
        self_consumption_pct=100.0 * (pv - exported) / pv if pv > 0 else None,
        autarky_pct=100.0 * (1.0 - imported / load) if load > 0 else None,
        battery_throughput_kwh=kwh["battery_charge"] + kwh["battery_discharge"],
        equivalent_full_cycles=kwh["battery_discharge"] * 1000.0 / trace.battery_full_wh,
        setting_writes=sum(1 for a in writes if not a.refused),
        refused_writes=sum(1 for a in writes if a.refused),
        mode_switches=sum(1 for a, b in zip(trace.mode, trace.mode[1:]) if a != b),
        hours_below_min_soc=sum(trace.step_s for s in trace.soc_pct if s < min_soc_pct) / 3600.0,
        unmet_load_kwh=kwh["load_unserved"],
        losses_kwh=kwh["losses"],
        battery_delta_kwh=delta,
        balance_error_kwh=pv + imported - load - exported - delta - kwh["losses"],
    )


def _closed(baseline: Figures | None, result: Figures, optimum: Figures) -> float | None:
    """The share (%) of the cost gap between `baseline` and the optimum that `result` closes."""
    if baseline is None:
        return None
    gap = baseline.cost - optimum.cost
    return 100.0 * (baseline.cost - result.cost) / gap if gap > 1e-9 else None


def against(result: Figures, optimum: Figures, none: Figures, static: Figures | None = None) -> Figures:
    """`result` with its cost and import as ratios to the optimum, and the share of static's and of none's cost
    gap to the optimum it closed (a user has the static setting; `none` is the inverter left in pass-through)."""
    return Figures(**{
        **result.as_dict(),
        "cost_ratio": result.cost / optimum.cost if optimum.cost else None,
        "import_ratio": result.grid_import_kwh / optimum.grid_import_kwh if optimum.grid_import_kwh else None,
        "static_gap_closed_pct": _closed(static, result, optimum),
        "gap_closed_pct": _closed(none, result, optimum),
    })
