"""The perfect-foresight baseline: the LP optimum (solarctl/optimize/lp.py) on the year the plant saw.

Its inputs come from the `none` run: the PV the arrays could have given (produced + curtailed, at the
MPPT's efficiency: DC available), the household's demand (served + unserved) per step, and the energy the
plant's battery held at the start (not the config's SoC times a linear capacity: the plant's stored energy
follows the OCV curve). The LP is a linear model of the plant; `model_note` says what it leaves out.
"""

from __future__ import annotations

import dataclasses

from solarctl.backtest.metrics import Figures
from solarctl.backtest.replay import Trace
from solarctl.backtest.scenario import Scenario


def limits_for(scenario: Scenario, none: Trace):
    from solarctl.optimize.lp import Limits

    limits = Limits.from_plant(scenario.config.plant)
    return dataclasses.replace(limits, initial_soc_pct=100.0 * none.stored_wh_start / none.battery_full_wh)


def optimum_figures(scenario: Scenario, none: Trace, tariff) -> Figures:
    from solarctl.optimize.lp import optimum

    plant = scenario.config.plant
    hours = scenario.step_s / 3600.0
    mppt = sum(a.peak_w * a.mppt_efficiency for a in plant.pv_arrays) / sum(a.peak_w for a in plant.pv_arrays)
    pv_w = [(p + c) / hours * mppt for p, c in zip(none.wh["pv"], none.wh["pv_curtailed"])]
    load_w = [(s + u) / hours for s, u in zip(none.wh["load"], none.wh["load_unserved"])]
    limits = limits_for(scenario, none)
    schedule = optimum(pv_w, load_w, scenario.step_s, limits, tariff, scenario.start, scenario.zone)
    return Figures(name="optimum", grid_import_kwh=schedule.grid_import_kwh, grid_export_kwh=schedule.grid_export_kwh,
                   cost=schedule.cost)


def model_note(limits, trace: Trace) -> str:
    """What the LP's plant leaves out of the simulated one, with the size of each where a run shows it."""
    charged, discharged = sum(trace.wh["battery_charge"]) / 1000.0, sum(trace.wh["battery_discharge"]) / 1000.0
    delta = (trace.stored_wh[-1] - trace.stored_wh_start) / 1000.0 if trace.steps else 0.0
    lost = charged - discharged - delta
    plant_rt = f"{100.0 * (1.0 - lost / charged):.1f} %" if charged > 1.0 else "–"
    lbco = sum(1 for m in trace.mode if m == "low_battery_cut_out") / max(1, trace.steps)
    lp_rt = 100.0 * limits.charge_efficiency * limits.discharge_efficiency
    return (f"optimum's model vs the plant ({trace.name} run): battery round trip {lp_rt:.1f} % at any power vs "
            f"{plant_rt} ({lost:.1f} kWh lost on {charged:.0f} kWh charged: I²R, the charge knee, coulombic); "
            f"charging at {limits.charge_max_w:.0f} W up to full vs the plant's absorption taper; "
            f"no low-battery cut-out (the plant's: {100.0 * lbco:.1f} % of the time); the inverter's "
            f"{limits.idle_w:.0f} W idle on either side at will and inverting while grid-charging (the plant: DC "
            f"side only while inverting, no inverting while grid-charging). Each makes the optimum a lower bound.")
