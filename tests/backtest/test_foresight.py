"""Backtests on imperfect forecasts: forecast:perfect plans on the plant's true PV, forecast:imperfect on PV
that errs like a day-ahead forecast (level, timing, cloud misses), both through the strategy's pv_feed."""

from __future__ import annotations

import json

import pytest

from solarctl.backtest.foresight import ForecastErrorModel, ScenarioPv, error_figures, foresee, split_name
from solarctl.backtest.scenario import ScenarioError, make_scenario
from solarctl.backtest.strategies import strategy_for


@pytest.fixture(scope="module")
def scenario():
    return make_scenario("solar-station", weather="clear-sky", load="builtin", start="2025-04-01", days=14,
                         step="15min", annual_kwh=None)


def test_perfect_is_the_plants_pv_and_imperfect_errs_like_a_day_ahead_forecast(scenario):
    truth, guess = ScenarioPv(scenario), ScenarioPv(scenario, ForecastErrorModel())
    noon = scenario.start + 12.5 * 3600
    assert truth.watts([noon], noon)[0] == truth.true_w(noon) > 1000  # a clear April noon
    figures = error_figures(scenario)
    assert 0.25 < figures["rrmse"] < 0.55 and abs(figures["bias"]) < 0.15
    # one forecast a day: re-plans see the same numbers
    assert guess.forecast_w(noon) == ScenarioPv(scenario, ForecastErrorModel()).forecast_w(noon)
    assert error_figures(scenario, ForecastErrorModel(seed=2)) != figures
    assert error_figures(scenario, ForecastErrorModel(0, 0, 0)) == {"rrmse": 0.0, "bias": 0.0}


def test_the_names_give_the_forecast_strategy_its_foresight(scenario):
    assert split_name("forecast:imperfect") == ("forecast", "imperfect")
    with pytest.raises(ScenarioError, match="perfect or imperfect"):
        strategy_for(scenario.config, "forecast:psychic", "solar-station", scenario.step_s)
    [strategy] = strategy_for(scenario.config, "forecast:imperfect", "solar-station", scenario.step_s)
    assert strategy.pv_feed is None
    foresee([strategy], scenario, "forecast:imperfect")
    assert strategy.pv_feed.name == "imperfect"
    now = scenario.start + 10 * 3600
    plan = strategy.make_plan(now, 500.0, 400.0, 50.0)
    assert set(plan.pv_source[1:]) == {"imperfect"}
    assert plan.pv_w[5] == pytest.approx(strategy.pv_feed.forecast_w(now + 5.5 * scenario.step_s))


def test_simulate_forecast_error_adds_both_runs(tmp_path):
    from typer.testing import CliRunner

    from solarctl.cli import app

    result = CliRunner().invoke(app, ["simulate", "--strategy", "forecast", "--site", "solar-station", "--days", "1",
                                      "--step", "15min", "--weather", "clear-sky", "--load", "builtin",
                                      "--forecast-error", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["strategies"]
    assert {"forecast", "forecast:perfect", "forecast:imperfect", "optimum"} <= set(rows)
    assert "relative RMSE" in result.stderr
