"""The perfect-foresight baseline: the LP optimum (solarctl/optimize/lp.py) on the year the plant saw.

Its inputs come from the `none` run: the PV the arrays could have given (produced + curtailed, at the
MPPT's efficiency: DC available) and the household's demand (served + unserved), per step.
"""

from __future__ import annotations

from solarctl.backtest.metrics import Figures
from solarctl.backtest.replay import Trace
from solarctl.backtest.scenario import Scenario


def optimum_figures(scenario: Scenario, none: Trace, tariff) -> Figures:
    from solarctl.optimize.lp import Limits, optimum

    plant = scenario.config.plant
    hours = scenario.step_s / 3600.0
    mppt = sum(a.peak_w * a.mppt_efficiency for a in plant.pv_arrays) / sum(a.peak_w for a in plant.pv_arrays)
    pv_w = [(p + c) / hours * mppt for p, c in zip(none.wh["pv"], none.wh["pv_curtailed"])]
    load_w = [(s + u) / hours for s, u in zip(none.wh["load"], none.wh["load_unserved"])]
    schedule = optimum(pv_w, load_w, scenario.step_s, Limits.from_plant(plant), tariff, scenario.start, scenario.zone)
    return Figures(name="optimum", grid_import_kwh=schedule.grid_import_kwh, grid_export_kwh=schedule.grid_export_kwh,
                   cost=schedule.cost)
