"""The forecast strategy against no control and the perfect-foresight optimum on a demo site's plant model.

    .venv/bin/python bench/forecast_month.py [--site solar_station_site|scp_site] [--days 30] [--month 6]
                                             [--weather clear_sky|pvlib]

Runs the plant with no strategy (`none`) and with `forecast` on a time-of-use tariff (0.20 at night, 0.36
06-22 h, feed-in 0.07), hour by hour on a virtual clock, then the LP optimum on the PV the arrays offered and
the load of the `none` run (5-minute steps), and prints each cost and the share of the none -> optimum gap
that forecast closes. Figures, never asserted (the tests check forecast < none on a few days)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
import zoneinfo
from pathlib import Path

from solarctl.control.offline import OfflineRun
from solarctl.control.strategies import make_strategies
from solarctl.demo.run import load_demo_config
from solarctl.optimize.lp import Limits, optimum
from solarctl.optimize.tariff import Tariff
from solarctl.plant import Plant

TARIFF = '''feed_in = 0.07
[import_price]
"0-6" = 0.20
"6-22" = 0.36
"22-24" = 0.20
'''
DEVICES = {"solar_station_site": ("inverter", "bms1"), "scp_site": ("xw", "battery")}
SAMPLE_S = 300.0


def offered_pv_w(plant: Plant) -> float:
    """DC the arrays could deliver now (what the MPPTs offer before any curtailment)."""
    volts = plant.battery.voltage_v
    return sum(min(a.available_w * a.config.mppt_efficiency, a.config.max_output_current_a * volts) for a in plant.pv)


async def run(site: str, weather: str, with_forecast: bool, start_day: dt.date, days: int, tariff_path: Path):
    config = load_demo_config(tariff_path.parent, site)
    config = config.model_copy(update={"plant": config.plant.model_copy(update={"weather": weather})})
    inverter, battery = DEVICES[site]
    strategies = ([{"name": "forecast", "inverter": inverter, "battery": battery, "tariff": str(tariff_path)}]
                  if with_forecast else [])
    config = config.model_validate({**config.model_dump(exclude={"strategy"}), "strategy": strategies})
    zone = zoneinfo.ZoneInfo(config.plant.timezone)
    start = dt.datetime.combine(start_day, dt.time(), zone).timestamp()
    plant = Plant(config.plant, start=start)
    tariff = Tariff.load(tariff_path)
    prices = tariff.import_prices(start, 3600, days * 24, config.plant.timezone)
    cost, pv, load = 0.0, [], []
    async with OfflineRun(config, plant, make_strategies(config.strategy)) as offline:
        for hour in range(days * 24):
            imported, exported = plant.counters("grid_import").lifetime, plant.counters("grid_export").lifetime
            for _ in range(round(3600 / SAMPLE_S)):
                await offline.run_for(SAMPLE_S)
                pv.append(offered_pv_w(plant))
                load.append(plant.load_w)
            cost += ((plant.counters("grid_import").lifetime - imported) * prices[hour]
                     - (plant.counters("grid_export").lifetime - exported) * tariff.feed_in)
    return config, start, cost, plant, pv, load, offline.applied


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", default="solar_station_site", choices=sorted(DEVICES))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--month", type=int, default=6)
    parser.add_argument("--weather", default="clear_sky", choices=("clear_sky", "pvlib"))
    args = parser.parse_args()
    tariff_path = Path(tempfile.mkdtemp()) / "tariff.toml"
    tariff_path.write_text(TARIFF)
    day = dt.date(2025, args.month, 1)
    began = time.perf_counter()
    config, start, none_cost, none_plant, pv, load, _ = await run(args.site, args.weather, False, day, args.days, tariff_path)
    _, _, forecast_cost, plant, _, _, applied = await run(args.site, args.weather, True, day, args.days, tariff_path)
    simulated = time.perf_counter() - began
    solve_began = time.process_time()
    best = optimum(pv, load, SAMPLE_S, Limits.from_plant(config.plant), Tariff.load(tariff_path), start,
                   config.plant.timezone)
    solve_cpu = time.process_time() - solve_began
    # The optimum may use what the site's settings allow the forecast strategy too (grid charging, export).
    from solarctl.control.strategies.forecast import site_limits  # the limits the strategy plans with

    strategy_config = make_strategies(config.model_validate({**config.model_dump(exclude={"strategy"}), "strategy": [
        {"name": "forecast", "inverter": DEVICES[args.site][0], "battery": DEVICES[args.site][1]}]}).strategy)[0]
    reachable = optimum(pv, load, SAMPLE_S, strategy_config.limits, Tariff.load(tariff_path), start, config.plant.timezone)
    print(f"{args.site}, {args.weather} weather, {args.days} days from {day}, time-of-use tariff")
    print(f"  none      cost {none_cost:8.2f}  import {none_plant.counters('grid_import').lifetime:7.1f} kWh")
    print(f"  forecast  cost {forecast_cost:8.2f}  import {plant.counters('grid_import').lifetime:7.1f} kWh  "
          f"export {plant.counters('grid_export').lifetime:6.1f} kWh  settings written {len(applied)}")
    for name, schedule in (("optimum (plant limits)", best), ("optimum (strategy limits)", reachable)):
        gap = none_cost - schedule.cost
        closed = (none_cost - forecast_cost) / gap if gap > 0 else float("nan")
        print(f"  {name:26s} cost {schedule.cost:8.2f}  import {schedule.grid_import_kwh:7.1f} kWh  "
              f"gap closed by forecast {100 * closed:5.1f} %")
    print(f"  simulation {simulated:.0f} s wall; optimum {solve_cpu:.1f} s CPU for {len(pv)} steps")


if __name__ == "__main__":
    asyncio.run(main())
