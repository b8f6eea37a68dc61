"""A backtest drawn as a PNG: one week of power flows of the strategy asked for, and monthly grid import
and cost per strategy. matplotlib (Agg, no display) is imported here only."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from pathlib import Path

from solarctl.backtest.replay import Trace
from solarctl.backtest.session import Backtest


def _monthly(trace: Trace, values: list[float], zone: dt.tzinfo) -> dict[str, float]:
    months: dict[str, float] = defaultdict(float)
    for i, v in enumerate(values):
        months[dt.datetime.fromtimestamp(trace.start + i * trace.step_s, zone).strftime("%Y-%m")] += v
    return dict(months)


def draw(backtest: Backtest, path: Path, week: int | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    zone = zoneinfo.ZoneInfo(backtest.scenario.zone)
    traces = list(backtest.traces.values())
    shown = traces[1] if len(traces) > 1 else traces[0]  # the strategy asked for; `none` when it was none
    per_week = int(7 * 86400 / shown.step_s)
    weeks = max(1, shown.steps // per_week)
    first = ((weeks // 2 if week is None else min(max(week, 1), weeks) - 1) * per_week)
    span = range(first, min(first + per_week, shown.steps))
    hours = shown.step_s / 3600.0
    times = [dt.datetime.fromtimestamp(shown.start + (i + 1) * shown.step_s, zone) for i in span]

    fig, (flows, bars) = plt.subplots(2, 1, figsize=(12, 8))
    for flow, label in (("pv", "PV"), ("load", "load"), ("grid_import", "grid import"), ("grid_export", "grid export")):
        flows.plot(times, [shown.wh[flow][i] / hours for i in span], label=label, linewidth=0.8)
    flows.plot(times, [(shown.wh["battery_charge"][i] - shown.wh["battery_discharge"][i]) / hours for i in span],
               label="battery (+ charging)", linewidth=0.8)
    flows.set_ylabel("W")
    flows.set_title(f"{shown.name}: power flows, week {first // per_week + 1}")
    soc = flows.twinx()
    soc.plot(times, [shown.soc_pct[i] for i in span], color="black", linestyle=":", label="SoC")
    soc.set_ylabel("SoC %")
    flows.legend(loc="upper left", fontsize="small")

    width = 0.8 / len(traces)
    for n, trace in enumerate(traces):
        months = _monthly(trace, [w / 1000.0 for w in trace.wh["grid_import"]], zone)
        bars.bar([i + n * width for i in range(len(months))], list(months.values()), width, label=trace.name)
        bars.set_xticks([i + 0.4 - width / 2 for i in range(len(months))], list(months))
    bars.set_ylabel("grid import, kWh")
    bars.set_title("grid import per month")
    bars.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
