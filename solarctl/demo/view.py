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


def render(daemon: Daemon, plant: Plant, now: float) -> Group:
    local = datetime.fromtimestamp(plant.time, ZoneInfo(plant.config.timezone))
    table = Table(title=f"solarctl demo   plant time {local:%a %H:%M}   "
                        f"(Ctrl-C to stop)", expand=True)
    for column in ("device", "state", "main values", "polls ok", "latency"):
        table.add_column(column)
    for name, device in daemon.site.devices.items():
        state = daemon.hub.state(name)
        if state.ok:
            status = Text("ok", style="green")
        elif state.error:
            status = Text(f"error: {state.error[:40]}", style="red")
        else:
            status = Text("waiting", style="yellow")
        shown = "   ".join(f"{label} {_fmt(state.values.get(metric), state.units.get(metric, ''))}"
                           for metric, label in registry.DRIVERS[device.driver].metrics.main_values())
        health = device.health
        latency = "-" if health.latency_avg_s is None else f"{health.latency_avg_s * 1000:.1f} ms"
        table.add_row(name, status, shown, f"{health.good_polls}/{health.polls}", latency)
    actions = Table(title="control actions (audit ledger)", expand=True, show_header=False)
    for entry in daemon.writer.ledger.entries[-5:]:
        when = datetime.fromtimestamp(entry["time"]).strftime("%H:%M:%S")
        actions.add_row(when, entry["source"], f"{entry['device']}.{entry['setting']} = {entry['requested']}",
                        entry["outcome"])
    store = daemon.store.status
    storage = Text(f"storage: {daemon.store.where}   {store.written} samples written   {store.spooled_bytes} bytes spooled"
                   + (f"   error: {store.error}" if store.error else ""))
    return Group(table, storage, actions)
