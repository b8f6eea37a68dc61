"""A backtest as a terminal table (rich) or as JSON for machines."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from solarctl.backtest.session import Backtest

# (field, heading, format) in table order.
COLUMNS = (
    ("grid_import_kwh", "import kWh", "{:.0f}"),
    ("grid_export_kwh", "export kWh", "{:.0f}"),
    ("cost", "cost", "{:.2f}"),
    ("cost_ratio", "cost / opt", "{:.3f}"),
    ("import_ratio", "import / opt", "{:.3f}"),
    ("static_gap_closed_pct", "gap closed %", "{:.0f}"),  # of static's gap to the optimum: the headline
    ("gap_closed_pct", "of none's %", "{:.0f}"),
    ("self_consumption_pct", "self-cons. %", "{:.1f}"),
    ("autarky_pct", "autarky %", "{:.1f}"),
    ("battery_throughput_kwh", "battery kWh", "{:.0f}"),
    ("equivalent_full_cycles", "cycles", "{:.1f}"),
    ("setting_writes", "writes", "{}"),
    ("refused_writes", "refused", "{}"),
    ("mode_switches", "mode sw.", "{}"),
    ("hours_below_min_soc", "h < min SoC", "{:.0f}"),
    ("unmet_load_kwh", "unmet kWh", "{:.1f}"),
)


def _start(backtest: Backtest) -> dt.datetime:
    return dt.datetime.fromtimestamp(backtest.scenario.start, zoneinfo.ZoneInfo(backtest.scenario.zone))


def as_json(backtest: Backtest) -> dict:
    s = backtest.scenario
    return {
        "site": backtest.site,
        "start": _start(backtest).isoformat(),
        "days": s.days,
        "step_s": s.step_s,
        "weather": s.weather_name,
        "load": s.load_name,
        "load_filled_hours": s.filled_hours.get("load"),  # from the database: hours of gaps filled (None: not db)
        "weather_filled_hours": s.filled_hours.get("weather"),
        "tariff": backtest.tariff.describe(),
        "battery_kwh": backtest.traces["none"].battery_full_wh / 1000.0,  # stored between 0 and 100 % SoC
        "strategies": {r.name: r.as_dict() for r in backtest.results},
        "static_costs": backtest.static_costs,  # each fixed configuration tried for `static` -> its cost
        "optimum_note": backtest.optimum_note or None,
        "seconds": backtest.seconds,
        "cpu_seconds": backtest.cpu_seconds,
        "optimum_error": backtest.optimum_error or None,
    }


def filled_note(filled_hours: dict[str, float]) -> str | None:
    """A footnote saying how much of the database's history was made up for gaps (None: nothing from it)."""
    if not filled_hours:
        return None
    names = {"load": "load", "weather": "PV"}
    parts = [f"{names[what]} {hours:.1f} h" for what, hours in filled_hours.items()]
    return ("from the database; gaps over 15 min filled with the mean of the same time of day on the stored days: "
            + ", ".join(parts))


def _cell(value, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def table(backtest: Backtest):
    from rich.table import Table

    s = backtest.scenario
    title = (f"{backtest.site}: {s.days:g} days from {_start(backtest).date()} at {s.step_s:g} s steps, "
             f"weather {s.weather_name}, load {s.load_name}; {backtest.tariff.describe()}")
    static = next((r.setting for r in backtest.results if r.setting), None)
    notes = [n for n in (filled_note(s.filled_hours),
                         "gap closed %: of the cost gap between static and the optimum; of none's %: between none and it",
                         static and f"static: {static} (the cheapest fixed setting)",
                         backtest.optimum_note) if n]
    out = Table(title=title, caption="\n".join(notes) or None)
    out.add_column("strategy")
    for _, heading, _ in COLUMNS:
        out.add_column(heading, justify="right")
    for result in backtest.results:
        values = result.as_dict()
        out.add_row(result.name, *(_cell(values[name], fmt) for name, _, fmt in COLUMNS))
    return out
