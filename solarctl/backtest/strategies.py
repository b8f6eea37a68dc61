"""Which strategy objects a backtest runs for a name: the site's own `[[strategy]]` table when it has one,
otherwise the strategy's defaults aimed at the site's inverter (grid power) and battery (SoC) by role; a
strategy that plans with prices (`forecast`) and has no table of its own plans with the backtest's tariff.
No strategy decides more often than the backtest's step (its resolution)."""

from __future__ import annotations

from pydantic import ValidationError

from solarctl.backtest.foresight import split_name
from solarctl.backtest.scenario import ScenarioError
from solarctl.config import Config
from solarctl.control.strategies import STRATEGIES, make_strategies
from solarctl.control.strategies.base import Strategy
from solarctl.devices import registry

BASELINES = ("none", "optimum")


def _device_with(config: Config, role: str) -> str | None:
    return next((d.name for d in config.device if d.enabled and registry.DRIVERS[d.driver].metrics.with_role(role)),
                None)


def _table(config: Config, name: str, site: str, tariff):
    found = next((s for s in config.strategy if s.name == name), None)
    if found is not None:  # the user's own setting, prices included: that is what the backtest is asked about
        return found.model_copy(update={"enabled": True})
    inverter, battery = _device_with(config, "grid_power"), _device_with(config, "battery_soc")
    for candidate in ({"name": name, "inverter": inverter, "battery": battery}, {"name": name, "inverter": inverter},
                      {"name": name, "battery": battery}, {"name": name}):
        table = {k: v for k, v in candidate.items() if v is not None}
        try:  # as part of the whole config, so the checks that need the site's devices run too
            found = type(config).model_validate({**config.model_dump(), "strategy": [table]}).strategy[0]
        except ValidationError:
            continue
        if tariff is not None and hasattr(found, "plan_with"):
            found.plan_with(tariff)
        return found
    raise ScenarioError(f"strategy {name!r} needs settings that site {site!r} does not give; add a [[strategy]] "
                        f"table for it to a config and pass that config with --site")


def strategy_for(config: Config, name: str, site: str, step_s: float = 0.0, tariff=None,
                 overrides: dict | None = None) -> list[Strategy]:
    """The strategy objects `name` means on this site (none for the `none` baseline); `tariff`
    (solarctl.optimize.tariff.Tariff): the prices the backtest counts in; `overrides`: settings of its table
    to change (e.g. greedy_offgrid's thresholds)."""
    if name == "none":
        return []
    try:
        name, _ = split_name(name)  # `forecast:perfect`: the forecast strategy, given foresight (foresight.py)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    if name not in STRATEGIES:
        raise ScenarioError(f"unknown strategy {name!r}; choose one of {', '.join(['none', *STRATEGIES])}")
    table = _table(config, name, site, tariff)
    update = {**(overrides or {}), "interval": max(table.interval, step_s)}
    return make_strategies([table.model_copy(update=update)], config.device)
