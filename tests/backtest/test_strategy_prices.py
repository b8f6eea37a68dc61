"""A backtest's `forecast` plans with the prices the backtest counts in, unless the site's own table sets its own."""

from __future__ import annotations

from solarctl.backtest.scenario import load_site
from solarctl.backtest.strategies import strategy_for
from solarctl.optimize.tariff import Tariff

TIME_OF_USE = Tariff((0.20,) * 6 + (0.36,) * 16 + (0.20,) * 2, feed_in=0.07)


def test_a_made_up_forecast_table_plans_with_the_backtest_tariff():
    [strategy] = strategy_for(load_site("solar-station"), "forecast", "solar-station", 300.0, TIME_OF_USE)
    assert strategy.tariff == TIME_OF_USE
    [default] = strategy_for(load_site("solar-station"), "forecast", "solar-station", 300.0)
    assert default.tariff == Tariff.flat(0.30, 0.0)  # the table's own defaults when no tariff is given


def test_the_sites_own_forecast_table_keeps_its_prices(tmp_path):
    config = load_site("solar-station")
    own = config.model_validate({**config.model_dump(), "strategy": [
        {"name": "forecast", "inverter": "inverter", "battery": "bms1", "import_price": 0.25, "feed_in": 0.05}]})
    [strategy] = strategy_for(own, "forecast", "solar-station", 300.0, TIME_OF_USE)
    assert strategy.tariff == Tariff.flat(0.25, 0.05)
