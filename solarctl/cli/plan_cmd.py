"""`solarctl plan`: the forecast strategy's current plan, hour by hour: the running daemon's, or, when no daemon
runs, one made here from the stored history (control/stored_plan.py)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import zoneinfo
from pathlib import Path

import typer

from solarctl.api.client import ControlApiError, ControlClient
from solarctl.cli.app import app
from solarctl.cli.startup import one_sentence_errors
from solarctl.clock import SystemClock
from solarctl.config import Config, load_config

COLUMNS = ("pv_w", "load_w", "battery_w", "grid_w")


@app.command()
def plan(
    config: Path = typer.Option(..., "--config", "-c", help="solarctl.toml"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Print the forecast strategy's current plan: the running daemon's, else one made from the stored history."""
    cfg = load_config(config)
    if not any(s.name == "forecast" and s.enabled for s in cfg.strategy):
        _fail(f'{config} has no enabled [[strategy]] with name = "forecast": add one, run the daemon, then ask again')
    client = ControlClient.connect(cfg.general.data_dir)
    if client is None:
        _from_store(cfg, config, as_json)
        return
    try:
        with client:
            answer = client.request("plan")
    except ControlApiError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps({**answer, "source": "daemon"}, indent=2))
        return
    zone = zoneinfo.ZoneInfo(answer["zone"])
    for entry in answer["plans"]:
        if entry["plan"] is None:
            print(f"[{entry['strategy']}] no plan yet: {entry['missing']}")
            continue
        print("\n".join(hourly(entry["strategy"], entry["plan"], zone)))


def _from_store(cfg: Config, config: Path, as_json: bool) -> None:
    """No daemon: the plan made here from the stored history, headed by what it rests on."""
    from solarctl.store.engine import StoreError
    from solarctl.store.minutes import NoHistory

    with one_sentence_errors("plan"):  # e.g. the forecast strategy's scipy not installed
        from solarctl.control.stored_plan import plans_from_store

        try:
            plans = plans_from_store(cfg, SystemClock().time())
        except NoHistory as error:
            _fail(f"no daemon runs for {cfg.general.data_dir}: no stored history to plan from either ({error}); "
                  f"start `solarctl run --config {config}`: it plans as it runs and stores what it sees for later")
        except StoreError as error:
            _fail(f"no daemon runs for {cfg.general.data_dir}: the stored history to plan from cannot be read: {error}")
    zone = zoneinfo.ZoneInfo(cfg.plant.timezone)
    if as_json:
        print(json.dumps({"zone": cfg.plant.timezone, "now": plans[0].now if plans else None, "source": "store",
                          "plans": [p.as_dict() for p in plans]}, indent=2))
        return
    for stored in plans:
        latest = dt.datetime.fromtimestamp(stored.latest_at, zone)
        stale = (" — older than an hour: the plan starts from a stale SoC; is the daemon down?"
                 if stored.stale else "")
        print(f"[{stored.strategy}] computed from stored history ({stored.days:.1f} days, latest sample at "
              f"{latest:%H:%M}, {stored.age_s / 60:.0f} minutes old) because no daemon runs{stale}")
        print("\n".join(hourly(stored.strategy, stored.plan.as_dict(), zone)))


def hourly(name: str, plan: dict, zone: zoneinfo.ZoneInfo) -> list[str]:
    """The plan as one line per hour: mean powers (W), where the hour's PV forecast came from (`local`: the
    strategy's own; `measured`: the present; else the service's name), the price (`*`: not published yet, the
    last published day's shape) and the SoC the hour ends at."""
    made = dt.datetime.fromtimestamp(plan["made_at"], zone)
    per_hour = max(1, round(3600 / plan["step_s"]))
    pv_source, estimated = plan.get("pv_source") or [], plan.get("price_estimated") or []
    lines = [f"[{name}] plan made {made:%Y-%m-%d %H:%M}, cost {plan['cost']:.2f}; {plan['basis']}",
             f"{'time':>11} {'PV W':>6} {'load W':>6} {'batt W':>7} {'grid W':>7} {'PV from':<14} {'price':>7} "
             f"{'SoC %':>5}"]
    for first in range(0, len(plan["battery_w"]), per_hour):
        hour = slice(first, first + per_hour)
        means = [sum(plan[c][hour]) / len(plan[c][hour]) for c in COLUMNS]
        when = dt.datetime.fromtimestamp(plan["made_at"] + first * plan["step_s"], zone)
        source = "+".join(dict.fromkeys(pv_source[hour])) or "local"
        price = f"{max(plan['price'][hour]):.3g}" + ("*" if any(estimated[hour]) else "")
        lines.append(f"{when:%a %H:%M} {means[0]:6.0f} {means[1]:6.0f} {means[2]:+7.0f} {means[3]:+7.0f} "
                     f"{source:<14} {price:>7} {plan['soc_pct'][hour][-1]:5.0f}")
    return lines


def _fail(message: str) -> None:
    print(f"solarctl plan: {message}", file=sys.stderr)
    raise typer.Exit(1)
