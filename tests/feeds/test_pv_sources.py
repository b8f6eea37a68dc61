"""PV forecast services against a local fake server answering recorded responses (tests/data/pv/), the disk
cache, and the forecast strategy planning on them with its own forecast where they have nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import httpx
import pytest

from solarctl.cli.plan_cmd import hourly
from solarctl.clock import VirtualClock
from solarctl.control.strategies import make_strategies
from solarctl.control.strategies.forecast import PV_ALERT_S
from solarctl.demo.run import load_demo_config
from solarctl.feeds.pv_forecast import MAX_AGE_S, PvForecast
from solarctl.feeds.pv_sources import ForecastSolar, OpenMeteo, SiteModel, Solcast
from tests.control.test_forecast import view_of, with_strategies
from tests.feeds.fake_service import DATA, Answer, FakeService

UTC = dt.timezone.utc


def pv_recorded(name: str) -> bytes:
    return (DATA.parent / "pv" / name).read_bytes()


def plant(tmp_path):
    return load_demo_config(tmp_path, "scp_site").plant


async def _fetch(source, now: float):
    async with httpx.AsyncClient() as client:
        return await source.fetch(client, now)


async def test_open_meteo_irradiance_becomes_the_sites_pv_through_the_plant_model(tmp_path):
    site_plant = plant(tmp_path)
    async with FakeService() as fake:
        fake.answer("/v1/forecast", Answer(body=pv_recorded("open_meteo_berlin_2023-01-01.json")))
        samples = await _fetch(OpenMeteo(site_plant, base_url=fake.url), 1672531200.0)
    query = fake.seen[0].query
    assert query["timezone"] == ["GMT"] and "direct_normal_irradiance" in query["hourly"][0]
    assert query["latitude"] == [str(site_plant.latitude)]
    assert len(samples) == 48
    # the hour ending 13:00 UTC (DNI 46.6, DHI 85 W/m², 15.7 °C) stands for 12:30
    t, watts = samples[13]
    assert t == dt.datetime(2023, 1, 1, 12, 30, tzinfo=UTC).timestamp()
    assert watts == pytest.approx(SiteModel(site_plant).power_w(t, 46.6, 85.0, 15.7))
    assert 0 < watts < 0.2 * sum(a.peak_w for a in site_plant.pv_arrays)  # a grey January day
    assert watts != pytest.approx(SiteModel(site_plant).power_w(t, 85.0, 46.6, 15.7))  # DNI and DHI not swapped
    assert all(w == 0 for t, w in samples if dt.datetime.fromtimestamp(t, UTC).hour < 7)


async def test_forecast_solar_asks_per_array_and_sums_them(tmp_path):
    site_plant = plant(tmp_path)
    async with FakeService() as fake:
        lat, lon = f"{site_plant.latitude:g}", f"{site_plant.longitude:g}"
        for array in site_plant.pv_arrays:
            path = (f"/estimate/{lat}/{lon}/{array.tilt_deg:g}/{round(array.azimuth_deg - 180)}/"
                    f"{array.peak_w / 1000:g}")
            fake.answer(path, Answer(body=pv_recorded("forecast_solar_wetzlar_2022-07-17.json")))
        samples = dict(await _fetch(ForecastSolar(site_plant, base_url=fake.url), 1658030400.0))
    assert {s.path.split("/")[5] for s in fake.seen} == {"90", "-90"}  # west and east, forecast.solar's azimuth
    one_pm = dt.datetime(2022, 7, 17, 13, tzinfo=dt.timezone(dt.timedelta(hours=2))).timestamp()  # Berlin CEST
    efficiency = site_plant.pv_arrays[0].mppt_efficiency
    assert samples[one_pm] == pytest.approx(2 * 6075 * efficiency)


async def test_forecast_solar_rate_limit_is_a_failure_with_its_wait(tmp_path):
    async with FakeService() as fake:
        for array in plant(tmp_path).pv_arrays:
            fake.answer(f"/estimate/48.2/16.4/{array.tilt_deg:g}/{round(array.azimuth_deg - 180)}/3.2",
                        Answer.json({"result": None, "message": {"code": 429, "type": "error",
                                                                 "text": "Rate limit for API calls reached."}},
                                    429, retry_after="1800"))
        feed = PvForecast(ForecastSolar(plant(tmp_path), base_url=fake.url), VirtualClock(1658030400.0))
        async with httpx.AsyncClient() as client:
            assert await feed.refresh(client) == 1800.0
    assert feed.status.state == "failing" and "429" in feed.status.last_error


async def test_solcast_reads_kw_period_means_with_its_key():
    async with FakeService() as fake:
        fake.answer("/rooftop_sites/abcd-1234/forecasts", Answer(body=pv_recorded("solcast_forecasts_2022-07-18.json")))
        samples = dict(await _fetch(Solcast("abcd-1234", "key", base_url=fake.url), 1658100000.0))
    assert fake.seen[0].headers["authorization"] == "Bearer key"
    assert len(samples) == 34
    # the half hour ending 10:30 UTC: 2.5295 kW, standing for 10:15
    assert samples[dt.datetime(2022, 7, 18, 10, 15, tzinfo=UTC).timestamp()] == pytest.approx(2529.5)


async def test_the_forecast_is_cached_privately_and_read_back_after_a_restart(tmp_path):
    cache = tmp_path / "data" / "strategies" / "forecast.pv-forecast.json"
    now = 1658100000.0
    async with FakeService() as fake:
        fake.answer("/rooftop_sites/s/forecasts", Answer(body=pv_recorded("solcast_forecasts_2022-07-18.json")))
        feed = PvForecast(Solcast("s", "key", base_url=fake.url), VirtualClock(now), cache)
        async with httpx.AsyncClient() as client:
            assert await feed.refresh(client) == 3 * 3600.0  # 8 of the free plan's 10 requests a day
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600 and not cache.with_name(cache.name + ".tmp").exists()
    ten = dt.datetime(2022, 7, 18, 10, 15, tzinfo=UTC).timestamp()
    again = PvForecast(Solcast("s", "key"), VirtualClock(now + 60), cache)  # no request: the cache
    assert again.watts([ten], now + 60) == [pytest.approx(2529.5)]
    assert again.watts([ten], now + MAX_AGE_S + 1) == [None]  # too old to trust
    other = PvForecast(OpenMeteo(plant(tmp_path)), VirtualClock(now), cache)
    assert other.samples == []  # another service's cache is not taken for its own
    cache.write_text("{not json")
    assert PvForecast(Solcast("s", "key"), VirtualClock(now), cache).samples == []


def _strategy(tmp_path, base_url: str):
    table = {"name": "forecast", "inverter": "xw", "battery": "battery",
             "pv_forecast": {"source": "open-meteo", "base_url": base_url}}
    config = with_strategies(load_demo_config(tmp_path, "scp_site"), [table])
    [strategy] = make_strategies(config.strategy)
    return strategy


def _seen(now: float):
    return view_of(now, xw={"load_power": 700.0}, mppt_east={"dc_output_power": 300.0},
                   mppt_west={"dc_output_power": 200.0}, battery={"soc": 60})


async def test_the_plan_takes_the_service_where_it_has_a_forecast_and_says_so_hour_by_hour(tmp_path):
    now = dt.datetime(2023, 1, 2, 12, tzinfo=UTC).timestamp()
    async with FakeService() as fake:
        fake.answer("/v1/forecast", Answer(body=pv_recorded("open_meteo_berlin_2023-01-01.json")))
        strategy = _strategy(tmp_path, fake.url)
        services = strategy.feed_services(VirtualClock(now), tmp_path / "data")
        assert set(services) == {"pv forecast forecast"}
        async with httpx.AsyncClient() as client:
            await strategy.pv_feed.refresh(client)
    strategy.decide(_seen(now), now)
    plan = strategy.plan
    step = strategy.config.step_s
    covered = [s == "open-meteo" for s in plan.pv_source]
    # the recorded answer's last hour stands for 22:30 UTC: steps up to it from the service, later ones local
    last = dt.datetime(2023, 1, 2, 22, 30, tzinfo=UTC).timestamp()
    assert plan.pv_source[0] == "measured"
    assert covered[1:] == [now + (i + 0.5) * step <= last for i in range(1, len(covered))]
    feed_watts = strategy.pv_feed.watts([now + 1.5 * step], now)[0]
    assert plan.pv_w[1] == pytest.approx(feed_watts)
    assert "PV: open-meteo for" in plan.basis
    lines = hourly("forecast", plan.as_dict(), UTC)
    assert lines[1].split()[9:11] == ["PV", "from"]
    assert lines[2].split()[6] == "measured+open-meteo" and lines[3].split()[6] == "open-meteo"
    assert lines[-1].split()[6] == "local"


async def test_a_failing_service_leaves_the_local_forecast_and_alerts_after_hours(tmp_path):
    now = dt.datetime(2023, 1, 2, 12, tzinfo=UTC).timestamp()
    async with FakeService() as fake:
        fake.answer("/v1/forecast", Answer.json({"error": True, "reason": "Internal"}, 500))
        strategy = _strategy(tmp_path, fake.url)
        strategy.feed_services(VirtualClock(now), tmp_path / "data")
        async with httpx.AsyncClient() as client:
            assert await strategy.pv_feed.refresh(client) == 60.0
    [*_, condition] = strategy.decide(_seen(now), now)
    assert set(strategy.plan.pv_source[1:]) == {"local"} and not condition.active
    later = now + PV_ALERT_S
    [*_, condition] = strategy.decide(_seen(later), later)
    assert condition.kind == "pv_forecast_missing" and condition.active
    assert "open-meteo has failed for 6.0 h" in condition.message and "HTTP 500" in condition.message
