"""A whole backtest: `none`, each strategy asked for, and the optimum, on one scenario under one tariff."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from solarctl.backtest.metrics import Figures, against, figures
from solarctl.backtest.optimum import optimum_figures
from solarctl.backtest.replay import Trace, replay
from solarctl.backtest.scenario import Scenario
from solarctl.backtest.strategies import strategy_for
from solarctl.plant.extras import MissingExtraError

# (name, steps) -> a context whose value is called with the steps done so far.
Progress = Callable[[str, int], contextlib.AbstractContextManager[Callable[[int], None]]]


@contextlib.contextmanager
def no_progress(name: str, steps: int) -> Iterator[Callable[[int], None]]:
    yield lambda done: None


@dataclass
class Backtest:
    scenario: Scenario
    tariff: object  # solarctl.optimize.tariff.Tariff
    site: str
    results: list[Figures] = field(default_factory=list)  # none, the strategies, then the optimum
    traces: dict[str, Trace] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall-clock time per run
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # this process's CPU time per run
    optimum_error: str = ""


@contextlib.contextmanager
def _refusals_counted_not_logged() -> Iterator[None]:
    # A strategy refused on every step would print a year of warnings; the table counts them instead.
    offline = logging.getLogger("solarctl.offline")
    level = offline.level
    offline.setLevel(logging.ERROR)
    try:
        yield
    finally:
        offline.setLevel(level)


def run_backtest(scenario: Scenario, site: str, names: list[str], tariff, *, min_soc_pct: float = 20.0,
                 with_optimum: bool = True, progress: Progress = no_progress) -> Backtest:
    runs = list(dict.fromkeys(["none", *(n for n in names if n != "optimum")]))
    plans = {name: strategy_for(scenario.config, name, site, scenario.step_s, tariff) for name in runs}  # refuse bad names before running
    result = Backtest(scenario, tariff, site)
    prices = tariff.import_prices(scenario.start, scenario.step_s, scenario.steps, scenario.zone)
    with _refusals_counted_not_logged():
        for name in runs:
            began, cpu = time.perf_counter(), time.process_time()
            with progress(name, scenario.steps) as update:
                trace = replay(scenario, name, plans[name], update)
            result.seconds[name] = time.perf_counter() - began
            result.cpu_seconds[name] = time.process_time() - cpu
            result.traces[name] = trace
            result.results.append(figures(trace, prices, tariff.feed_in, min_soc_pct))
    if with_optimum:
        began, cpu = time.perf_counter(), time.process_time()
        try:
            with progress("optimum (LP)", 1) as update:
                best = optimum_figures(scenario, result.traces["none"], tariff)
                update(1)
        except (ImportError, MissingExtraError) as exc:
            result.optimum_error = f"no optimum: {exc}"
        else:
            result.seconds["optimum"] = time.perf_counter() - began
            result.cpu_seconds["optimum"] = time.process_time() - cpu
            none = result.results[0]
            result.results = [against(r, best, none) for r in result.results] + [against(best, best, none)]
    return result
