"""The demo's live table: the main values of each device, its health, and the last control actions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text

from solarctl.daemon import Daemon
from solarctl.devices import registry
from solarctl.plant import Plant

def _fmt(value, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"
    return f"{value} {unit}".strip()


def _devices(daemon: Daemon) -> list[tuple[str, str, str, str, str, str]]:
    """(name, state, state style, main values, polls, latency) of each device."""
    rows = []
    for name, device in daemon.site.devices.items():
        state = daemon.hub.state(name)
        if state.ok:
            status, style = "ok", "green"
        elif state.error:
            status, style = f"error: {state.error[:40]}", "red"
        else:
            status, style = "waiting", "yellow"
        shown = "   ".join(f"{label} {_fmt(state.values.get(metric), state.units.get(metric, ''))}"
                           for metric, label in registry.DRIVERS[device.driver].metrics.main_values())
        health = device.health
        latency = "-" if health.latency_avg_s is None else f"{health.latency_avg_s * 1000:.1f} ms"
        rows.append((name, status, style, shown, f"{health.good_polls}/{health.polls}", latency))
    return rows


def _actions(entries: list[dict]) -> list[tuple[str, str, str, str]]:
    return [(datetime.fromtimestamp(e["time"]).strftime("%H:%M:%S"), e["source"],
             f"{e['device']}.{e['setting']} = {e['requested']}", e["outcome"]) for e in entries]


def _storage(daemon: Daemon) -> str:
    store = daemon.store.status
    return (f"storage: {daemon.store.where}   {store.written} samples written   {store.spooled_bytes} bytes spooled"
            + (f"   error: {store.error}" if store.error else ""))


def _plant_time(plant: Plant) -> str:
    return f"{datetime.fromtimestamp(plant.time, ZoneInfo(plant.config.timezone)):%a %H:%M}"


def render(daemon: Daemon, plant: Plant, now: float) -> Group:
    table = Table(title=f"solarctl demo   plant time {_plant_time(plant)}   "
                        f"(Ctrl-C to stop)", expand=True)
    for column in ("device", "state", "main values", "polls ok", "latency"):
        table.add_column(column)
    for name, status, style, shown, polls, latency in _devices(daemon):
        table.add_row(name, Text(status, style=style), shown, polls, latency)
    actions = Table(title="control actions (audit ledger)", expand=True, show_header=False)
    for row in _actions(daemon.writer.ledger.entries[-5:]):
        actions.add_row(*row)
    return Group(table, Text(_storage(daemon)), actions)


def status_lines(daemon: Daemon, plant: Plant, actions_shown: int) -> list[str]:
    """The table as plain lines, for output that is not a terminal; control actions from `actions_shown` on."""
    lines = [f"plant time {_plant_time(plant)}"]
    lines += [f"  {name}: {status}   {shown}   polls {polls}   latency {latency}"
              for name, status, _, shown, polls, latency in _devices(daemon)]
    lines.append(f"  {_storage(daemon)}")
    lines += [f"  control: {' '.join(row)}" for row in _actions(daemon.writer.ledger.entries[actions_shown:])]
    return lines
