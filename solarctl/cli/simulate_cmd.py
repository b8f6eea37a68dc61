"""`solarctl simulate`: backtest strategies on the plant model against `none` and the perfect-foresight optimum."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.cli.startup import one_sentence_errors

DEFAULT_IMPORT_PRICE, DEFAULT_FEED_IN = 0.30, 0.08  # per kWh, when no --tariff is given
WIDE_TABLE = 240  # characters: every column of the table with its header


@contextlib.contextmanager
def _bar(name: str, steps: int):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.console import Console

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(name, total=steps)
        every = max(1, steps // 200)
        yield lambda done: progress.update(task, completed=done) if done % every == 0 or done == steps else None


@app.command()
def simulate(
    strategy: str = typer.Option(..., "--strategy", help="the strategy to backtest (none: no control)"),
    compare: list[str] = typer.Option([], "--compare", help="more strategies to run beside it"),
    days: float = typer.Option(None, "--days", min=0.01, show_default=False,
                               help="how long to simulate [default: 365; with db inputs: to the last stored minute]"),
    start: str = typer.Option(None, "--start", show_default=False,
                              help="first day (YYYY-MM-DD, site's local time) [default: 2025-01-01; with db inputs: "
                                   "the first stored minute]"),
    step: str = typer.Option("5min", "--step", help="time step: 300, 300s, 5min, 1h"),
    site: str = typer.Option("scp", "--site", help="scp, solar-station, or a config file with [plant] and [[strategy]]"),
    weather: str = typer.Option("try:13", "--weather",
                                help="clear-sky, try:N (DWD test-reference year of region N), db (the PV power the "
                                     "--site config's database stored), or a CSV of time,pv_w"),
    load: str = typer.Option("bdew", "--load", help="bdew (BDEW household profile), builtin, db (the household power "
                                                    "the --site config's database stored), or a CSV of time,load_w"),
    annual_kwh: float = typer.Option(None, "--annual-kwh", min=0,
                                     help="scale bdew/builtin to this yearly consumption (default: the site's)"),
    tariff_file: Path = typer.Option(None, "--tariff", help="tariff TOML (default: flat 0.30 import, 0.08 feed-in)"),
    prices: Path = typer.Option(None, "--prices", help="CSV of past day-ahead prices (time,price_per_kwh or "
                                                      "time,price_per_mwh) to replay; fees, VAT and feed-in from "
                                                      "--tariff's [market] table (default: the market price, no "
                                                      "feed-in pay)"),
    min_soc: float = typer.Option(20.0, "--min-soc", help="count hours below this SoC (%)"),
    forecast_error: bool = typer.Option(False, "--forecast-error",
                                        help="also run forecast:perfect (planning on the true PV) and "
                                             "forecast:imperfect (on a day-ahead-like wrong PV forecast)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
    plot: Path = typer.Option(None, "--plot", help="draw a PNG: one week of power flows and monthly bars"),
    plot_week: int = typer.Option(None, "--plot-week", help="which week to draw (1-based; default: mid-year)"),
) -> None:
    """Backtest strategies on the plant model: the daemon's own strategy code on a virtual clock."""
    from solarctl.backtest.scenario import ScenarioError, make_scenario
    from solarctl.backtest.session import no_progress, run_backtest

    with one_sentence_errors("simulate"):
        try:
            from solarctl.optimize.tariff import Tariff
        except ImportError:
            print("solarctl simulate: the tariff and optimum module (solarctl.optimize) is not installed; "
                  "install solarctl with it", file=sys.stderr)
            raise typer.Exit(1) from None
        try:
            scenario = make_scenario(site, weather=weather, load=load, start=start, days=days, step=step,
                                     annual_kwh=annual_kwh)
            if prices is not None:
                from solarctl.feeds.price_csv import check_covers, replay_tariff

                tariff = replay_tariff(prices, tariff_file, scenario.zone)
                check_covers(tariff, scenario.start, scenario.seconds, prices)
            else:
                tariff = Tariff.load(tariff_file) if tariff_file else Tariff.flat(DEFAULT_IMPORT_PRICE, DEFAULT_FEED_IN)
            names = [strategy, *compare]
            if forecast_error:
                from solarctl.backtest.foresight import error_figures

                names += [f"forecast:{kind}" for kind in ("perfect", "imperfect") if f"forecast:{kind}" not in names]
                errors = error_figures(scenario)
                print(f"forecast:imperfect's PV forecast over daylight hours: relative RMSE {100 * errors['rrmse']:.0f} %, "
                      f"bias {100 * errors['bias']:+.0f} %", file=sys.stderr)
            result = run_backtest(scenario, site, names, tariff, min_soc_pct=min_soc,
                                  progress=_bar if sys.stderr.isatty() else no_progress)
        except (ScenarioError, ValueError, FileNotFoundError) as exc:
            print(f"solarctl simulate: {exc}", file=sys.stderr)
            raise typer.Exit(1) from None
        if plot is not None:
            from solarctl.backtest.plot import draw

            draw(result, plot, week=plot_week)
    if as_json:
        from solarctl.backtest.report import as_json as to_json

        print(json.dumps(to_json(result), indent=2))
    else:
        from rich.console import Console

        from solarctl.backtest.report import table

        console = Console()
        if not console.is_terminal:  # a file or a pipe: the whole table, not 80 columns of ellipses
            console = Console(width=WIDE_TABLE)
        console.print(table(result))
        if result.optimum_error:
            print(result.optimum_error, file=sys.stderr)
