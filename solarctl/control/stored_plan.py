"""A forecast strategy's plan made from the stored history, for when no daemon runs (`solarctl plan`; the web
page may use it too).

The strategy is built as the daemon builds it (`make_strategies`); its own `observe` is fed the installation's
stored minutes of the last `history_days` (store/minutes.py: `pv_power`, `load_power` and `soc`, one look per
minute as a daemon looking every minute would have had), and the newest stored minute stands for the present:
its SoC, PV and load go into the strategy's own `make_plan`, made at `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solarctl.config import Config
from solarctl.control.strategies import make_strategies
from solarctl.control.strategies.forecast import ForecastStrategy, Plan
from solarctl.store.minutes import NoHistory, StoredMinutes, stored_minutes

STALE_AFTER_S = 3600.0  # an older newest minute is said to be stale: the plan starts from an old SoC
NEEDED = ("pv_power", "load_power", "soc")


@dataclass
class StoredPlan:
    strategy: str
    plan: Plan
    days: float  # of history fed to the forecast
    latest_at: float  # start of the newest stored minute (the present's values)
    now: float

    @property
    def age_s(self) -> float:
        """How old the present's values are: from the newest stored minute's end to `now`."""
        return max(0.0, self.now - (self.latest_at + 60.0))

    @property
    def stale(self) -> bool:
        return self.age_s > STALE_AFTER_S

    def as_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "plan": self.plan.as_dict(), "missing": None,
                "history_days": self.days, "latest_at": self.latest_at, "age_s": self.age_s}


def forecast_strategies(config: Config) -> list[ForecastStrategy]:
    tables = [table for table in config.strategy if table.name == "forecast" and table.enabled]
    return make_strategies(tables, config.device)  # type: ignore[return-value]


def plans_from_store(config: Config, now: float) -> list[StoredPlan]:
    """Each enabled forecast strategy's plan from the stored history; NoHistory (a sentence) when there is none,
    StoreError when the database cannot be read."""
    strategies = forecast_strategies(config)
    with stored_minutes(config) as minutes:
        latest = minutes.latest(NEEDED)
        missing = [metric for metric in NEEDED if metric not in latest]
        if missing:
            raise NoHistory(f"database {minutes.where} holds no {', '.join(missing)} minutes of the installation")
        present = max(t for t, _ in latest.values())
        return [_plan(strategy, minutes, latest, present, now) for strategy in strategies]


def _plan(strategy: ForecastStrategy, minutes: StoredMinutes, latest: dict[str, tuple[float, float]],
          present: float, now: float) -> StoredPlan:
    end = present + 60.0
    lo = end - strategy.config.history_days * 86400.0
    pv = dict(minutes.series("pv_power", lo, end))
    load = dict(minutes.series("load_power", lo, end))
    soc = dict(minutes.series("soc", lo, end))
    last_soc = None
    seen = sorted(set(pv) & set(load))
    for t in seen:
        last_soc = soc.get(t, last_soc)
        strategy.observe(t + 30.0, pv[t], load[t], last_soc)
    plan = strategy.make_plan(now, latest["pv_power"][1], latest["load_power"][1], latest["soc"][1])
    days = (seen[-1] + 60.0 - seen[0]) / 86400.0 if seen else 0.0
    return StoredPlan(strategy.name, plan, days, present, now)
