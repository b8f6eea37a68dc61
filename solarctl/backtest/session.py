"""A whole backtest: `none`, `static`, each strategy asked for, and the optimum, on one scenario under one tariff.

The runs are independent (each on a fresh plant over the same shared inputs), so they go to `workers`
processes side by side (fork: the children inherit the scenario, only traces travel back). `static` is
several runs, one per fixed configuration of the inverter (static.py); the cheapest is the row.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from solarctl.backtest.foresight import foresee
from solarctl.backtest.metrics import Figures, against, figures
from solarctl.backtest.optimum import limits_for, model_note, optimum_figures
from solarctl.backtest.replay import Trace, replay
from solarctl.backtest.scenario import Scenario
from solarctl.backtest.static import static_candidates
from solarctl.backtest.strategies import strategy_for
from solarctl.plant.extras import MissingExtraError

# (name, steps) -> a context whose value is called with the steps done so far.
Progress = Callable[[str, int], contextlib.AbstractContextManager[Callable[[int], None]]]
STATIC = "static"


@contextlib.contextmanager
def no_progress(name: str, steps: int) -> Iterator[Callable[[int], None]]:
    yield lambda done: None


@dataclass
class Backtest:
    scenario: Scenario
    tariff: object  # solarctl.optimize.tariff.Tariff
    site: str
    results: list[Figures] = field(default_factory=list)  # none, static, the strategies, then the optimum
    traces: dict[str, Trace] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall-clock time per run (static: all its candidates)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # CPU time per run, in the process that ran it
    static_costs: dict[str, float] = field(default_factory=dict)  # each fixed configuration tried -> its cost
    optimum_error: str = ""
    optimum_note: str = ""  # what the optimum's model leaves out of the plant's, and how much it is worth


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


# The job's context in a worker: set before the pool forks (the children inherit it), or in-process.
_JOB: dict = {}


def _run(job: tuple[str, str, object]) -> tuple[str, object, float, float]:
    """(key, Trace or Figures or an error text, wall s, CPU s) of one job: ("run", name, settings) or
    ("optimum", "optimum", the none trace)."""
    kind, name, arg = job
    scenario, site, tariff = _JOB["scenario"], _JOB["site"], _JOB["tariff"]
    began, cpu = time.perf_counter(), time.process_time()
    with _refusals_counted_not_logged():
        if kind == "optimum":
            try:
                out: object = optimum_figures(scenario, arg, tariff)
            except (ImportError, MissingExtraError) as exc:
                out = f"no optimum: {exc}"
        elif arg is not None:  # a static candidate: the inverter set once, no strategy
            out = replay(scenario.with_settings(arg), name, [])
        else:
            strategies = strategy_for(scenario.config, name, site, scenario.step_s, tariff)
            foresee(strategies, scenario, name)  # `forecast:perfect` / `forecast:imperfect` (foresight.py)
            out = replay(scenario, name, strategies)
    return name, out, time.perf_counter() - began, time.process_time() - cpu


def default_workers() -> int:
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def run_backtest(scenario: Scenario, site: str, names: list[str], tariff, *, min_soc_pct: float = 20.0,
                 with_optimum: bool = True, with_static: bool = True, progress: Progress = no_progress,
                 workers: int | None = None) -> Backtest:
    runs = list(dict.fromkeys(["none", *(n for n in names if n not in ("optimum", STATIC))]))
    for name in runs:  # refuse bad names before running anything
        strategy_for(scenario.config, name, site, scenario.step_s, tariff)
    candidates = static_candidates(scenario.config) if with_static else {}
    jobs = [("run", name, None) for name in runs] + [("run", f"{STATIC}: {label}", settings)
                                                     for label, settings in candidates.items()]
    result = Backtest(scenario, tariff, site)
    _JOB.update(scenario=scenario, site=site, tariff=tariff)
    done: dict[str, object] = {}
    try:
        workers = default_workers() if workers is None else workers
        if workers <= 1:
            for job in jobs:
                _finish(job[1], _run(job), done, result, progress, scenario.steps)
            if with_optimum:
                _finish("optimum", _run(("optimum", "optimum", done["none"])), done, result, progress, 1)
        else:
            from solarctl.plant.localtime import LocalCalendar

            scenario.weather.fill()
            scenario.load.fill(LocalCalendar(scenario.zone))
            _in_pool(jobs, workers, with_optimum, done, result, progress, scenario.steps)
    finally:
        _JOB.clear()
    prices = tariff.import_prices(scenario.start, scenario.step_s, scenario.steps, scenario.zone)
    rows = [figures(done[name], prices, tariff.feed_in, min_soc_pct) for name in runs]  # type: ignore[arg-type]
    for name in runs:
        result.traces[name] = done[name]  # type: ignore[assignment]
    if candidates:
        tried = {label: figures(done[f"{STATIC}: {label}"], prices, tariff.feed_in, min_soc_pct)  # type: ignore[arg-type]
                 for label in candidates}
        result.static_costs = {label: f.cost for label, f in tried.items()}
        label = min(tried, key=lambda k: tried[k].cost)
        best = tried[label]
        rows.insert(1, Figures(**{**best.as_dict(), "name": STATIC, "setting": label}))
        result.traces[STATIC] = done[f"{STATIC}: {label}"]  # type: ignore[assignment]
        keys = [f"{STATIC}: {k}" for k in candidates]
        result.seconds[STATIC] = sum(result.seconds.pop(k) for k in keys)
        result.cpu_seconds[STATIC] = sum(result.cpu_seconds.pop(k) for k in keys)
    result.results = rows
    optimum = done.get("optimum")
    if isinstance(optimum, str):
        result.optimum_error = optimum
    elif optimum is not None:
        none = rows[0]
        static = rows[1] if candidates else None
        # Measured on the static run (a battery that cycles) where there is one.
        result.optimum_note = model_note(limits_for(scenario, result.traces["none"]),
                                         result.traces.get(STATIC, result.traces["none"]))
        result.results = [against(r, optimum, none, static) for r in rows] + [against(optimum, optimum, none, static)]
    return result


def _finish(name: str, out: tuple, done: dict, result: Backtest, progress: Progress, steps: int) -> None:
    _, value, wall, cpu = out
    done[name] = value
    result.seconds[name], result.cpu_seconds[name] = wall, cpu
    with progress(name.replace("optimum", "optimum (LP)"), steps) as update:
        update(steps)


def _in_pool(jobs: list, workers: int, with_optimum: bool, done: dict, result: Backtest, progress: Progress,
             steps: int) -> None:
    """Every job in `workers` forked processes; the optimum as soon as `none` is there."""
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending = {job[1]: pool.apply_async(_run, (job,)) for job in jobs}
        while pending:
            for name, handle in list(pending.items()):
                if handle.ready():
                    del pending[name]
                    _finish(name, handle.get(), done, result, progress, 1 if name == "optimum" else steps)
                    if name == "none" and with_optimum:
                        pending["optimum"] = pool.apply_async(_run, (("optimum", "optimum", done["none"]),))
            time.sleep(0.05)
