"""Backtest speed and quality: one weather year at 5-minute steps for every strategy on both demo sites.

Prints the wall-clock and CPU seconds per strategy-year (`static`: all its fixed configurations together)
and each strategy's cost and grid import as ratios to the perfect-foresight optimum, the share of the cost
gap between `static` (the best fixed setting) and the optimum it closes (the headline) and, beside it, of
the gap between `none` and the optimum. The runs of a site go to --workers processes side by side (default:
2); the whole site-year's wall time is printed too. On a shared machine the CPU time is the figure that does
not depend on the neighbours. Run: .venv/bin/python bench/simulate_year.py [--days 365] [--weather try:13]
[--tariff F] [--sites scp,solar-station] [--workers 2]
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
    parser.add_argument("--sites", default=",".join(DEMO_SITES))
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tariff = Tariff.load(args.tariff) if args.tariff else Tariff.flat(0.30, 0.08)
    print(f"{args.days:g} days from {args.start}, 5-minute steps, weather {args.weather}, load {args.load}; "
          f"{tariff.describe()}")
    for site in args.sites.split(","):
        began = time.perf_counter()
        scenario = make_scenario(site, weather=args.weather, load=args.load, start=args.start, days=args.days,
                                 step="5min")
        setup = time.perf_counter() - began
        names = []
        for name in args.strategies.split(","):
            try:
                strategy_for(scenario.config, name, site)
                names.append(name)
            except ScenarioError as exc:
                print(f"  {site}: {name} skipped: {exc}")
        began = time.perf_counter()
        result = run_backtest(scenario, site, names, tariff, workers=args.workers)
        whole = time.perf_counter() - began
        year = 365.0 / args.days
        print(f"\n{site} (scenario set-up {setup:.1f} s; all runs and the optimum: {whole * year:.1f} s wall a year "
              f"with {args.workers} worker(s); static = {result.traces and next((r.setting for r in result.results if r.setting), '–')})")
        print(f"  {'strategy':<16}{'s/year':>8}{'CPU s':>8}{'import kWh':>12}{'cost':>10}{'cost/opt':>10}{'import/opt':>12}"
              f"{'static gap':>12}{'none gap':>10}{'writes':>8}{'refused':>9}{'balance err kWh':>17}")
        pct = lambda v: "–" if v is None else f"{v:.0f} %"  # noqa: E731
        ratio = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        for r in result.results:
            secs = result.seconds.get(r.name, 0.0) * year
            cpu = result.cpu_seconds.get(r.name, 0.0) * year
            err = "–" if r.balance_error_kwh is None else f"{r.balance_error_kwh:.1e}"
            print(f"  {r.name:<16}{secs:>8.1f}{cpu:>8.1f}{r.grid_import_kwh:>12.0f}{r.cost:>10.2f}{ratio(r.cost_ratio):>10}"
                  f"{ratio(r.import_ratio):>12}{pct(r.static_gap_closed_pct):>12}{pct(r.gap_closed_pct):>10}"
                  f"{r.setting_writes if r.setting_writes is not None else '–':>8}"
                  f"{r.refused_writes if r.refused_writes is not None else '–':>9}"
                  f"{err:>17}")
        if result.optimum_note:
            print(f"  {result.optimum_note}")
        if result.optimum_error:
            print(f"  {result.optimum_error}")


if __name__ == "__main__":
    main()
