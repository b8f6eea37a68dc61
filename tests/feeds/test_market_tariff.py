"""A [market] tariff: the safe formula, the file's checks, and the forecast strategy planning on prices from
a service (the local fake answering aWATTar's recorded response): re-plan on new prices, the flat fallback
before any arrive, back-off and the alert when the service keeps failing."""

from __future__ import annotations

import json
import zoneinfo

import httpx
import pytest

from solarctl.cli.plan_cmd import hourly
from solarctl.clock import VirtualClock
from solarctl.control.strategies import make_strategies
from solarctl.demo.run import load_demo_config
from solarctl.feeds.formula import Formula, FormulaError
from solarctl.feeds.market_tariff import MarketTariff, MarketTariffError, load_tariff_file
from solarctl.control.strategies.forecast import PRICES_ALERT_S
from solarctl.feeds.feed import FIRST_BACKOFF_S
from tests.control.test_forecast import view_of, with_strategies
from tests.feeds.fake_service import Answer, FakeService, recorded

START = 1632402000.0  # 2021-09-23 13:00 UTC: the recorded aWATTar day begins
IMPORT = "(market + 0.0995) * 1.2"


def test_a_formula_computes_prices_and_runs_nothing_else():
    assert Formula(IMPORT)(market=0.10) == pytest.approx(0.2394)
    assert Formula("max(0, market - 0.02)")(market=-0.05) == 0.0
    for hostile in ("__import__('os').system('id')", "market.real", "[1][0]", "open('/etc/passwd')",
                    "market ** 99999", "lambda: 1", "other + 1"):
        with pytest.raises(FormulaError, match="not allowed|not arithmetic"):
            Formula(hostile)
    with pytest.raises(FormulaError, match="divides by zero"):
        Formula("1 / market")(market=0.0)


def _tariff_file(tmp_path, **market) -> str:
    lines = ["[market]"] + [f"{k} = {json.dumps(v)}" for k, v in market.items()]
    path = tmp_path / "tariff.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_tariff_file_names_what_is_wrong(tmp_path):
    with pytest.raises(MarketTariffError, match="source must be one of awattar"):
        load_tariff_file(_tariff_file(tmp_path, source="nordpool"))
    with pytest.raises(MarketTariffError, match="zone is not a setting of awattar"):
        load_tariff_file(_tariff_file(tmp_path, source="awattar", zone="DE-LU"))
    with pytest.raises(MarketTariffError, match="Tibber needs `token`"):
        load_tariff_file(_tariff_file(tmp_path, source="tibber"))
    with pytest.raises(MarketTariffError, match="not allowed"):
        load_tariff_file(_tariff_file(tmp_path, source="awattar", import_price="__import__('os')"))
    tariff = load_tariff_file(_tariff_file(tmp_path, source="awattar", country="de", import_price=IMPORT,
                                           feed_in="market * 0.9"))
    assert isinstance(tariff, MarketTariff) and "awattar day-ahead" in tariff.describe()


def _strategy(tmp_path, base_url: str, **extra):
    table = {"name": "forecast", "inverter": "xw", "battery": "battery", "import_price": 0.31,
             "tariff": _tariff_file(tmp_path, source="awattar", country="at", base_url=base_url,
                                    import_price=IMPORT, feed_in=0.05), **extra}
    config = with_strategies(load_demo_config(tmp_path, "scp_site"), [table])
    [strategy] = make_strategies(config.strategy)
    return strategy


def _seen(now: float):
    return view_of(now, xw={"load_power": 700.0}, mppt_east={"dc_output_power": 1500.0},
                   mppt_west={"dc_output_power": 1000.0}, battery={"soc": 60})


async def test_the_plan_prices_come_from_the_service_through_the_formula_and_new_prices_replan(tmp_path):
    async with FakeService() as fake:
        fake.answer("/v1/marketdata", Answer(body=recorded("awattar_at_2021-09-23.json")))
        strategy = _strategy(tmp_path, fake.url)
        clock = VirtualClock(START)
        [name] = strategy.feed_services(clock)
        assert name == "prices forecast"
        async with httpx.AsyncClient() as client:
            assert await strategy.price_feed.refresh(client) == 3600.0  # tomorrow not complete: ask hourly
            strategy.decide(_seen(START), START)
            plan = strategy.plan
            step = round(strategy.config.step_s)
            assert plan.price[0] == pytest.approx((0.15895 + 0.0995) * 1.2)
            assert plan.price[3600 // step] == pytest.approx((0.16098 + 0.0995) * 1.2)
            assert not any(plan.price_estimated) and "prices: all published" in plan.basis
            strategy.decide(_seen(START + 60), START + 60)
            assert strategy.plan is plan  # nothing new: the plan holds until replan_s
            # the next day's auction: one more hour published -> a new plan at the next look
            more = json.loads(recorded("awattar_at_2021-09-23.json"))
            more["data"].append({**more["data"][-1], "start_timestamp": 1632488400000,
                                 "end_timestamp": 1632492000000, "marketprice": 300.0})
            fake.routes["/v1/marketdata"] = [Answer.json(more)]
            await strategy.price_feed.refresh(client)
            strategy.decide(_seen(START + 120), START + 120)
            assert strategy.plan is not plan and strategy.plan.made_at == START + 120


async def test_before_any_price_it_plans_flat_and_says_so_and_unpublished_hours_are_marked(tmp_path):
    async with FakeService() as fake:
        fake.answer("/v1/marketdata", Answer(body=recorded("awattar_at_2021-09-23.json")))
        strategy = _strategy(tmp_path, fake.url)
        strategy.feed_services(VirtualClock(START))
        strategy.decide(_seen(START), START)
        assert set(strategy.plan.price) == {0.31}
        assert "none from awattar yet" in strategy.plan.basis
        async with httpx.AsyncClient() as client:
            await strategy.price_feed.refresh(client)
        later = START + 6 * 3600  # 6 h in: the last 6 h of the horizon are not published
        strategy.decide(_seen(later), later)
        plan = strategy.plan
        assert sum(plan.price_estimated) == 6 * 3600 // round(strategy.config.step_s)
        assert plan.price_estimated[-1] and "estimated from the last published day's shape" in plan.basis
        lines = hourly("forecast", plan.as_dict(), zoneinfo.ZoneInfo("Europe/Vienna"))
        assert not lines[2].split()[7].endswith("*") and lines[-1].split()[7].endswith("*")  # price column
        # an estimate is the price at the same clock time a day earlier: 13:00-19:00 UTC tomorrow as today's
        first = plan.price_estimated.index(True)
        assert plan.price[first] == pytest.approx((0.15895 + 0.0995) * 1.2)
        assert plan.price[-1] == pytest.approx((0.152 + 0.0995) * 1.2)


async def test_a_failing_service_backs_off_honours_retry_after_and_alerts_after_hours(tmp_path):
    async with FakeService() as fake:
        fake.answer("/v1/marketdata", Answer.json({"error": "too many"}, 429, retry_after="900"),
                    Answer.json({}, 503), Answer(body=recorded("awattar_at_2021-09-23.json")))
        strategy = _strategy(tmp_path, fake.url)
        clock = VirtualClock(START)
        strategy.feed_services(clock)
        feed = strategy.price_feed
        async with httpx.AsyncClient() as client:
            assert await feed.refresh(client) == 900.0  # the service's Retry-After
            assert feed.status.state == "failing" and "429" in feed.status.last_error
            assert await feed.refresh(client) == FIRST_BACKOFF_S * 2  # then doubling back-off
            later = START + PRICES_ALERT_S
            [*_, condition] = strategy.decide(_seen(later), later)
            assert condition.kind == "prices_missing" and condition.active
            assert "aWATTar has failed for 6.0 h" in condition.message
            await feed.refresh(client)
            assert feed.status.state == "ok"
            [*_, condition] = strategy.decide(_seen(later + 60), later + 60)
            assert not condition.active


def test_the_daemon_runs_the_strategys_price_and_pv_services_beside_it(tmp_path):
    from solarctl.daemon import Daemon

    table = {"name": "forecast", "inverter": "xw", "battery": "battery",
             "tariff": _tariff_file(tmp_path, source="awattar", country="at", import_price=IMPORT),
             "pv_forecast": {"source": "open-meteo"}}
    config = with_strategies(load_demo_config(tmp_path, "scp_site"), [table])
    daemon = Daemon(config, VirtualClock(START))
    assert {"prices forecast", "pv forecast forecast"} <= set(daemon.services)
    [runner] = daemon.strategies
    assert runner.strategy.pv_feed.cache == config.general.data_dir / "strategies" / "forecast.pv-forecast.json"
