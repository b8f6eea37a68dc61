"""The demo's live table: the main values of each device, its health, and the last control actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text

from solarctl.devices import registry
from solarctl.facade import Facade
from solarctl.plant import Plant
from solarctl.sample import Value

def _fmt(value: Value | None, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"
    return f"{value} {unit}".strip()


STYLES = {"fresh": "green", "stale": "yellow", "failed": "red", "never": "yellow"}


def _devices(daemon: Facade) -> list[tuple[str, str, str, str, str, str]]:
    """(name, status, status style, main values, polls, latency) of each device; the status in the read model's
    words, as the page, the control API, MQTT and Telegram give it."""
    rows = []
    for name in daemon.devices():
        state = daemon.status(name)
        status = state.status if state.fresh else f"{state.status}: {(state.reason or '')[:40]}"
        driver = daemon.config.device_named(name).driver
        shown = "   ".join(f"{label} {_fmt(state.values.get(metric), state.units.get(metric, ''))}"
                           for metric, label in registry.DRIVERS[driver].metrics.main_values())
        health = daemon.link_health(name)
        latency = "-" if health["latency_avg_ms"] is None else f"{health['latency_avg_ms']:.1f} ms"
        rows.append((name, status, STYLES[state.status], shown, f"{health['good_polls']}/{health['polls']}", latency))
    return rows


def _actions(entries: Sequence[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(datetime.fromtimestamp(e["time"]).strftime("%H:%M:%S"), e["source"],
             f"{e['device']}.{e['setting']} = {e['requested']}", e["outcome"]) for e in entries]


def _storage(daemon: Facade) -> str:
    store = daemon.sink_health()["store"]
    return (f"storage: {store['database']}   {store['delivered']} samples written   "
            f"{store['spooled_bytes']} bytes spooled"
            + (f"   error: {store['last_error']}" if store["last_error"] else ""))


def _plant_time(plant: Plant) -> str:
    return f"{datetime.fromtimestamp(plant.time, ZoneInfo(plant.config.timezone)):%a %H:%M}"


def render(daemon: Facade, plant: Plant, now: float) -> Group:
    table = Table(title=f"solarctl demo   plant time {_plant_time(plant)}   "
                        f"(Ctrl-C to stop)", expand=True)
    for column in ("device", "state", "main values", "polls ok", "latency"):
        table.add_column(column)
    for name, status, style, shown, polls, latency in _devices(daemon):
        table.add_row(name, Text(status, style=style), shown, polls, latency)
    actions = Table(title="control actions (audit ledger)", expand=True, show_header=False)
    for row in _actions(daemon.audit()[-5:]):
        actions.add_row(*row)
    return Group(table, Text(_storage(daemon)), actions)


def status_lines(daemon: Facade, plant: Plant, actions_shown: int) -> list[str]:
    """The table as plain lines, for output that is not a terminal; control actions from `actions_shown` on."""
    lines = [f"plant time {_plant_time(plant)}"]
    lines += [f"  {name}: {status}   {shown}   polls {polls}   latency {latency}"
              for name, status, _, shown, polls, latency in _devices(daemon)]
    lines.append(f"  {_storage(daemon)}")
    lines += [f"  control: {' '.join(row)}" for row in _actions(daemon.audit()[actions_shown:])]
    return lines
