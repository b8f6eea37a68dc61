"""Backtest speed and quality: one weather year at 5-minute steps for every strategy on both demo sites.

Prints the wall-clock and CPU seconds per strategy-year (target < 60 s; on a shared machine the CPU time is
the figure that does not depend on the neighbours) and each strategy's cost and grid import
as ratios to the perfect-foresight optimum, plus the share of the cost gap between `none` and the
optimum it closes. Run: .venv/bin/python bench/simulate_year.py [--days 365] [--weather try:13] [--tariff F]
"""

from __future__ import annotations

import argparse
import time

from solarctl.backtest.scenario import DEMO_SITES, ScenarioError, make_scenario
from solarctl.backtest.session import run_backtest
from solarctl.backtest.strategies import strategy_for
from solarctl.control.strategies import STRATEGIES
from solarctl.optimize.tariff import Tariff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--weather", default="try:13")
    parser.add_argument("--load", default="bdew")
    parser.add_argument("--start", default="2025-01-01")
    parser.add_argument("--tariff", help="tariff TOML (default flat 0.30 import, 0.08 feed-in)")
    args = parser.parse_args()
    tariff = Tariff.load(args.tariff) if args.tariff else Tariff.flat(0.30, 0.08)
    print(f"{args.days:g} days from {args.start}, 5-minute steps, weather {args.weather}, load {args.load}; "
          f"{tariff.describe()}")
    for site in DEMO_SITES:
        began = time.perf_counter()
        scenario = make_scenario(site, weather=args.weather, load=args.load, start=args.start, days=args.days,
                                 step="5min")
        setup = time.perf_counter() - began
        names = []
        for name in STRATEGIES:
            try:
                strategy_for(scenario.config, name, site)
                names.append(name)
            except ScenarioError as exc:
                print(f"  {site}: {name} skipped: {exc}")
        result = run_backtest(scenario, site, names, tariff)
        year = 365.0 / args.days
        print(f"\n{site} (scenario set-up {setup:.1f} s; the first run also computes the shared weather and load)")
        print(f"  {'strategy':<16}{'s/year':>8}{'CPU s':>8}{'import kWh':>12}{'cost':>10}{'cost/opt':>10}{'import/opt':>12}"
              f"{'gap closed':>12}{'writes':>8}{'refused':>9}{'balance err kWh':>17}")
        for r in result.results:
            secs = result.seconds.get(r.name, 0.0) * year
            cpu = result.cpu_seconds.get(r.name, 0.0) * year
            gap = "–" if r.gap_closed_pct is None else f"{r.gap_closed_pct:.0f} %"
            ratio = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
            err = "–" if r.balance_error_kwh is None else f"{r.balance_error_kwh:.1e}"
            print(f"  {r.name:<16}{secs:>8.1f}{cpu:>8.1f}{r.grid_import_kwh:>12.0f}{r.cost:>10.2f}{ratio(r.cost_ratio):>10}"
                  f"{ratio(r.import_ratio):>12}{gap:>12}{r.setting_writes if r.setting_writes is not None else '–':>8}"
                  f"{r.refused_writes if r.refused_writes is not None else '–':>9}"
                  f"{err:>17}")
        if result.optimum_error:
            print(f"  {result.optimum_error}")


if __name__ == "__main__":
    main()
