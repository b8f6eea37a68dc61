"""How greedy_offgrid's switches, PV used and cost move with its thresholds `start`, `full` and `low` on the
Solar-Station site (the old site's counter, 5-minute cadence and 2 A grid charge; test-reference weather).

Each row changes one threshold from its default (start 3.32 V, full 3.5 V, low 3.21 V). Prints switches a
year (off-grid + on-grid writes scaled to 365 days), PV used, grid import and cost under the flat tariff,
beside `none` and `static`. Run: .venv/bin/python bench/greedy_thresholds.py [--days 365] [--start 2025-01-01]
"""

from __future__ import annotations

import argparse
import time

from solarctl.backtest.metrics import figures
from solarctl.backtest.replay import replay
from solarctl.backtest.scenario import make_scenario
from solarctl.backtest.session import run_backtest
from solarctl.backtest.strategies import strategy_for
from solarctl.optimize.tariff import Tariff

VARIANTS = [("defaults", {})] + [(f"{key} {value:g} V", {key: value}) for key, values in (
    ("start", (3.28, 3.30, 3.34, 3.36)), ("full", (3.45, 3.55)), ("low", (3.15, 3.18, 3.25))) for value in values]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--start", default="2025-01-01")
    parser.add_argument("--weather", default="try:13")
    args = parser.parse_args()
    tariff = Tariff.flat(0.30, 0.08)
    site = "solar-station"
    scenario = make_scenario(site, weather=args.weather, load="bdew", start=args.start, days=args.days, step="5min")
    baseline = run_backtest(scenario, site, [], tariff, with_optimum=False)
    prices = tariff.import_prices(scenario.start, scenario.step_s, scenario.steps, scenario.zone)
    year = 365.0 / args.days
    print(f"{site}: {args.days:g} days from {args.start}, weather {args.weather}; {tariff.describe()}")
    print(f"  {'variant':<16}{'switches/yr':>12}{'PV used kWh':>13}{'import kWh':>12}{'cost':>10}{'CPU s':>8}")
    for r in baseline.results:
        print(f"  {r.name:<16}{'–':>12}{r.pv_kwh:>13.0f}{r.grid_import_kwh:>12.0f}{r.cost:>10.2f}"
              f"{baseline.cpu_seconds.get(r.name, 0.0):>8.1f}")
    for label, overrides in VARIANTS:
        cpu = time.process_time()
        trace = replay(scenario, "greedy_offgrid",
                       strategy_for(scenario.config, "greedy_offgrid", site, scenario.step_s, tariff, overrides))
        r = figures(trace, prices, tariff.feed_in, 20.0)
        switches = sum(1 for a in trace.applied if a.proposal.setting == "grid_connection" and not a.unchanged)
        print(f"  {label:<16}{switches * year:>12.0f}{r.pv_kwh:>13.0f}{r.grid_import_kwh:>12.0f}{r.cost:>10.2f}"
              f"{time.process_time() - cpu:>8.1f}")


if __name__ == "__main__":
    main()
