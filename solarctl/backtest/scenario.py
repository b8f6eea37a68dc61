"""What one backtest runs on: a site (its devices, strategies and [plant]), a time span and the inputs.

`--site scp|solar-station` are the demo installations, anything else a config file. `--weather`:
`clear-sky`, `try:N` (the DWD test-reference year of region N, through pvlib), `db` (the PV power the site's
database stored) or a CSV of measured PV power; `--load`: `bdew` (demandlib's BDEW household profile scaled to
the site's `[plant.load] annual_kwh`), `builtin`, `db` (the household power the site's database stored) or a CSV
of measured household power (history.py). With `db`, a start or length not given is the stored span's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from solarctl.backtest.history import History, HistoryLoad, HistoryWeather
from solarctl.backtest.series import SharedLoad, SharedWeather, shared_inputs
from solarctl.config import Config, load_config
from solarctl.plant import Plant
from solarctl.plant.load import make_load
from solarctl.plant.weather import make_weather

DEMO_SITES = {"scp": "scp_site", "solar-station": "solar_station_site"}
DEFAULT_START, DEFAULT_DAYS = "2025-01-01", 365.0  # without `db` inputs
DB = "db"
DB_METRICS = {"load": "load_power", "weather": "pv_power"}
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
    filled_hours: dict[str, float] = field(default_factory=dict)  # "load"/"weather" from the database: gaps filled

    @property
    def seconds(self) -> float:
        return self.days * 86400.0

    @property
    def steps(self) -> int:
        return int(round(self.seconds / self.step_s))

    @property
    def zone(self) -> str:
        return self.config.plant.timezone

    def with_settings(self, settings: dict) -> "Scenario":
        """The same scenario with the inverter's starting settings ([plant.settings]) changed."""
        plant = self.config.plant
        plant = plant.model_copy(update={"settings": plant.settings.model_copy(update=settings)})
        return dataclasses.replace(self, config=self.config.model_copy(update={"plant": plant}))

    def plant(self) -> Plant:
        """A fresh plant at the start, on the shared inputs."""
        return Plant(self.config.plant, self.start, weather=self.weather, load=self.load)


def make_scenario(site: str, *, weather: str, load: str, start: str | None = None, days: float | None = None,
                  step: str = "5min", annual_kwh: float | None = None) -> Scenario:
    config = load_site(site)
    step_s = parse_step(step)
    if days is not None and days <= 0:
        raise ScenarioError(f"days {days:g}: simulate at least part of a day")
    plant = config.plant.model_copy(update={"max_substep_s": min(step_s, MAX_SUBSTEP_S)})
    if annual_kwh is not None:
        plant = plant.model_copy(update={"load": plant.load.model_copy(update={"annual_kwh": annual_kwh})})
    if weather == "clear-sky":
        plant = plant.model_copy(update={"weather": "clear_sky"})
    elif weather.startswith("try:"):
        plant = plant.model_copy(update={"weather": "pvlib",
                                         "climate": plant.climate.model_copy(update={"tmy_file": weather})})
    elif weather != DB and not Path(weather).is_file():
        raise ScenarioError(f"weather {weather!r}: give clear-sky, try:N (DWD region 1-15), db or a CSV file of "
                            "time,pv_w rows")
    if load in ("bdew", "builtin"):
        plant = plant.model_copy(update={"load_profile": "demandlib" if load == "bdew" else "builtin"})
    elif load != DB and not Path(load).is_file():
        raise ScenarioError(f"load {load!r}: give bdew, builtin, db or a CSV file of time,load_w rows")
    config = config.model_copy(update={"plant": plant})
    from_db = [what for what, name in (("load", load), ("weather", weather)) if name == DB]
    if from_db:
        begin, seconds, stored = _stored_inputs(site, config, from_db, start, days)
    else:
        begin = local_midnight(start or DEFAULT_START, plant.timezone)
        seconds, stored = (days or DEFAULT_DAYS) * 86400.0, {}
    sky = (HistoryWeather(stored["weather"], plant) if weather == DB
           else HistoryWeather(History.from_csv(Path(weather), "pv_w"), plant) if Path(weather).is_file()
           else make_weather(plant))
    house = (HistoryLoad(stored["load"]) if load == DB
             else make_load(plant) if load in ("bdew", "builtin") else HistoryLoad(History.from_csv(Path(load), "load_w")))
    shared_weather, shared_load = shared_inputs(sky, house, begin, plant.max_substep_s, seconds)
    return Scenario(config, begin, seconds / 86400.0, step_s, shared_weather, shared_load, weather, load,
                    {what: history.filled_hours for what, history in stored.items()})


def _stored_inputs(site: str, config: Config, which: list[str], start: str | None,
                   days: float | None) -> tuple[float, float, dict[str, History]]:
    """(start, seconds, "load"/"weather" -> History) from the site's database; a start or length not given is the
    stored span's (of the first of `which`)."""
    from solarctl.store.engine import StoreError
    from solarctl.store.minutes import NoHistory, stored_minutes

    option = " and ".join(f"--{what} db" for what in which)
    if site in DEMO_SITES:
        raise ScenarioError(f"{option} reads the database of a site's config file, and the demo site {site!r} has "
                            "none: give --site YOUR-CONFIG.toml (the one `solarctl run` uses) or another "
                            f"--{which[0]}")
    zone = config.plant.timezone
    out: dict[str, History] = {}
    try:
        with stored_minutes(config) as minutes:
            metric = DB_METRICS[which[0]]
            span = minutes.span(metric)
            if span is None:
                raise NoHistory(f"database {minutes.where} holds no {metric} minutes of the installation")
            begin = local_midnight(start, zone) if start is not None else span[0]
            seconds = days * 86400.0 if days is not None else span[1] - begin
            if seconds <= 0:
                raise ScenarioError(f"start {start}: the stored {metric} minutes end before it "
                                    f"({_local(span[1], zone)}); give an earlier --start or leave it out")
            for what in which:
                metric = DB_METRICS[what]
                rows = minutes.series(metric, begin, begin + seconds)
                if not rows:
                    stored = minutes.span(metric)
                    there = (f"they cover {_local(stored[0], zone)} to {_local(stored[1], zone)}: give --start/--days "
                             "inside that span" if stored else
                             f"run the daemon (`solarctl run --config {site}`) to record some")
                    raise ScenarioError(f"--{what} db: database {minutes.where} has no {metric} minutes of the "
                                        f"installation from {_local(begin, zone)} to {_local(begin + seconds, zone)}; "
                                        f"{there}")
                out[what] = History.from_minutes(rows, begin, begin + seconds, zone)
    except NoHistory as error:
        raise ScenarioError(f"{option}: {error}; run the daemon (`solarctl run --config {site}`) to record the "
                            "installation's history first") from None
    except StoreError as error:
        raise ScenarioError(f"{option}: {error}") from None
    return begin, seconds, out


def _local(t: float, zone: str) -> str:
    return dt.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
