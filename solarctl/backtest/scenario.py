"""What one backtest runs on: a site (its devices, strategies and [plant]), a time span and the inputs.

`--site scp|solar-station` are the demo installations, anything else a config file. `--weather`:
`clear-sky`, `try:N` (the DWD test-reference year of region N, through pvlib), or a CSV of measured PV
power; `--load`: `bdew` (demandlib's BDEW household profile scaled to the site's `[plant.load]
annual_kwh`), `builtin`, or a CSV of measured household power (history.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from solarctl.backtest.history import HistoryLoad, HistoryWeather
from solarctl.backtest.series import SharedLoad, SharedWeather, shared_inputs
from solarctl.config import Config, load_config
from solarctl.plant import Plant
from solarctl.plant.load import make_load
from solarctl.plant.weather import make_weather

DEMO_SITES = {"scp": "scp_site", "solar-station": "solar_station_site"}
MAX_SUBSTEP_S = 60.0  # the plant's finest allowed resolution is what a year at 5-minute steps can afford


class ScenarioError(ValueError):
    """An option that cannot be used, as one sentence naming the fix."""


def load_site(site: str) -> Config:
    if site in DEMO_SITES:
        from solarctl.demo.run import load_demo_config

        # Nothing is written there: a backtest opens no port and keeps no data.
        return load_demo_config(Path(tempfile.gettempdir()) / "solarctl-simulate", DEMO_SITES[site])
    return load_config(site)


def parse_step(text: str) -> float:
    """'5min', '300s', '1h' or plain seconds."""
    units = {"s": 1.0, "min": 60.0, "h": 3600.0}
    number, unit = text.rstrip("minsh"), text[len(text.rstrip("minsh")):] or "s"
    try:
        seconds = float(number) * units[unit]
    except (ValueError, KeyError):
        raise ScenarioError(f"step {text!r}: give seconds or a number with s, min or h, e.g. 5min") from None
    if seconds <= 0:
        raise ScenarioError(f"step {text!r}: it must be longer than zero")
    return seconds


def local_midnight(date: str, zone: str) -> float:
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise ScenarioError(f"start {date!r}: give a date as YYYY-MM-DD") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=zoneinfo.ZoneInfo(zone)).timestamp()


@dataclass
class Scenario:
    config: Config  # the site: devices, [[strategy]] tables, [control], [plant]
    start: float  # epoch
    days: float
    step_s: float
    weather: SharedWeather
    load: SharedLoad
    weather_name: str
    load_name: str

    @property
    def seconds(self) -> float:
        return self.days * 86400.0

    @property
    def steps(self) -> int:
        return int(round(self.seconds / self.step_s))

    @property
    def zone(self) -> str:
        return self.config.plant.timezone

    def plant(self) -> Plant:
        """A fresh plant at the start, on the shared inputs."""
        return Plant(self.config.plant, self.start, weather=self.weather, load=self.load)


def make_scenario(site: str, *, weather: str, load: str, start: str, days: float, step: str,
                  annual_kwh: float | None = None) -> Scenario:
    config = load_site(site)
    step_s = parse_step(step)
    if days <= 0:
        raise ScenarioError(f"days {days:g}: simulate at least part of a day")
    plant = config.plant.model_copy(update={"max_substep_s": min(step_s, MAX_SUBSTEP_S)})
    if annual_kwh is not None:
        plant = plant.model_copy(update={"load": plant.load.model_copy(update={"annual_kwh": annual_kwh})})
    if weather == "clear-sky":
        plant = plant.model_copy(update={"weather": "clear_sky"})
    elif weather.startswith("try:"):
        plant = plant.model_copy(update={"weather": "pvlib",
                                         "climate": plant.climate.model_copy(update={"tmy_file": weather})})
    elif not Path(weather).is_file():
        raise ScenarioError(f"weather {weather!r}: give clear-sky, try:N (DWD region 1-15) or a CSV file of "
                            "time,pv_w rows")
    if load in ("bdew", "builtin"):
        plant = plant.model_copy(update={"load_profile": "demandlib" if load == "bdew" else "builtin"})
    elif not Path(load).is_file():
        raise ScenarioError(f"load {load!r}: give bdew, builtin or a CSV file of time,load_w rows")
    config = config.model_copy(update={"plant": plant})
    begin = local_midnight(start, plant.timezone)
    sky = make_weather(plant) if not Path(weather).is_file() else HistoryWeather(Path(weather), plant)
    house = make_load(plant) if load in ("bdew", "builtin") else HistoryLoad(Path(load))
    shared_weather, shared_load = shared_inputs(sky, house, begin, plant.max_substep_s, days * 86400.0)
    return Scenario(config, begin, days, step_s, shared_weather, shared_load, weather, load)
