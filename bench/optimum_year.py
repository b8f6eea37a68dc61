"""How long the perfect-foresight optimum takes for a year at 5-minute steps (105 120 steps) on a demo site.

    .venv/bin/python bench/optimum_year.py [--site scp_site|solar_station_site] [--weather clear_sky|pvlib]

PV from the site's weather model (the plant's clear sky, or pvlib's TMY replay with the weather extra),
load from its load profile; the LP on a time-of-use tariff with the site's limits (export allowed up to
the plant's sell limit so that the solver has every choice). Prints wall and CPU seconds; never asserted."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import tempfile
import time
import zoneinfo
from pathlib import Path

from solarctl.demo.run import load_demo_config
from solarctl.optimize.lp import Limits, Tariff, optimum
from solarctl.plant.load import make_load
from solarctl.plant.localtime import LocalCalendar
from solarctl.plant.weather import make_weather

STEP_S = 300.0
TIME_OF_USE = Tariff((0.20,) * 6 + (0.36,) * 16 + (0.20,) * 2, feed_in=0.07)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", default="scp_site", choices=("scp_site", "solar_station_site"))
    parser.add_argument("--weather", default="clear_sky", choices=("clear_sky", "pvlib"))
    args = parser.parse_args()
    config = load_demo_config(Path(tempfile.mkdtemp()), args.site)
    plant = config.plant.model_copy(update={"weather": args.weather})
    start = dt.datetime(2025, 1, 1, tzinfo=zoneinfo.ZoneInfo(plant.timezone)).timestamp()
    weather, load_profile, calendar = make_weather(plant), make_load(plant), LocalCalendar(plant.timezone)
    steps = round(365 * 86400 / STEP_S)
    times = [start + (i + 0.5) * STEP_S for i in range(steps)]
    pv = [sum(a.peak_w * a.mppt_efficiency * poa / 1000.0 for a, poa in zip(plant.pv_arrays, weather.conditions(t).poa_w_m2))
          for t in times]
    load = [load_profile.demand_w(t, calendar.at(t)) for t in times]
    limits = dataclasses.replace(Limits.from_plant(plant), grid_export_max_w=plant.settings.max_sell_amps * plant.grid.voltage_v)
    wall, cpu = time.perf_counter(), time.process_time()
    schedule = optimum(pv, load, STEP_S, limits, TIME_OF_USE, start, plant.timezone)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{args.site}, {args.weather}, {steps} steps: {wall:.1f} s wall, {cpu:.1f} s CPU; cost {schedule.cost:.2f}, "
          f"import {schedule.grid_import_kwh:.0f} kWh, export {schedule.grid_export_kwh:.0f} kWh, "
          f"PV {sum(pv) * STEP_S / 3.6e6:.0f} kWh, load {sum(load) * STEP_S / 3.6e6:.0f} kWh")


if __name__ == "__main__":
    main()
