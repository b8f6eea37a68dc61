"""Each price service's client against a local fake server answering with recorded responses
(tests/data/prices/, provenance in tests/data/SOURCES.md), its error answers, and 23/25-hour days."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import httpx
import pytest

from solarctl.feeds.http import FeedError
from solarctl.feeds.price_series import PriceSeries
from solarctl.feeds.price_sources import Awattar, EnergyCharts, OctopusAgile, Tibber
from tests.feeds.fake_service import Answer, FakeService, recorded

NOW = 1632400000.0
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


async def _fetch(source, start: float = NOW, end: float = NOW + 86400):
    async with httpx.AsyncClient() as client:
        return await source.fetch(client, start, end, NOW)


async def test_awattar_reads_its_recorded_answer_in_eur_per_kwh():
    async with FakeService() as fake:
        fake.answer("/v1/marketdata", Answer(body=recorded("awattar_at_2021-09-23.json")))
        points = await _fetch(Awattar("at", base_url=fake.url), 1632402000.0, 1632488400.0)
    assert len(points) == 24
    assert (points[0].start, points[0].end, points[0].price) == (1632402000.0, 1632405600.0, pytest.approx(0.15895))
    assert points[-1].price == pytest.approx(0.12014)
    assert fake.seen[0].query == {"start": ["1632402000000"], "end": ["1632488400000"]}  # milliseconds


async def test_energy_charts_asks_for_the_bidding_zone_and_reads_hours():
    async with FakeService() as fake:
        fake.answer("/price", Answer(body=recorded("energy_charts_de-lu_2024-05-04.json")))
        points = await _fetch(EnergyCharts("DE-LU", base_url=fake.url))
    assert fake.seen[0].query["bzn"] == ["DE-LU"]
    assert len(points) == 24 and all(p.end - p.start == 3600 for p in points)
    assert min(p.price for p in points) == pytest.approx(0.01334)  # the midday solar dip, 13:00 local


def _local_hours(day: dt.date, hours: int) -> list[float]:
    """The middle of each of a local day's hours (real hours: a 23-hour day has 23)."""
    midnight = dt.datetime.combine(day, dt.time(), BRUSSELS).timestamp()
    return [midnight + 1800 + 3600 * i for i in range(hours)]


async def test_a_23_hour_day_has_23_prices_and_no_0200():
    async with FakeService() as fake:
        fake.answer("/price", Answer(body=recorded("energy_charts_be_2022-03-27_23h.json")))
        series = PriceSeries(await _fetch(EnergyCharts("BE", base_url=fake.url)))
    midnight = dt.datetime(2022, 3, 27, tzinfo=BRUSSELS).timestamp()
    next_midnight = dt.datetime(2022, 3, 28, tzinfo=BRUSSELS).timestamp()
    assert next_midnight - midnight == 23 * 3600
    assert len(series) == 23 and series.end == next_midnight
    local = [dt.datetime.fromtimestamp(t, BRUSSELS).hour for t in _local_hours(dt.date(2022, 3, 27), 23)]
    assert 2 not in local
    # 03:00 CEST is the third real hour of the day, priced 214.02 EUR/MWh
    three = dt.datetime(2022, 3, 27, 3, 30, tzinfo=BRUSSELS).timestamp()
    assert series.price_at(three) == pytest.approx(0.21402)
    steps = series.steps(midnight, 3600, 23, "Europe/Brussels")
    assert not any(steps.estimated) and steps.prices[2] == pytest.approx(0.21402)


async def test_a_25_hour_day_prices_both_0200_hours_apart():
    async with FakeService() as fake:
        fake.answer("/price", Answer(body=recorded("energy_charts_be_2022-10-30_25h.json")))
        series = PriceSeries(await _fetch(EnergyCharts("BE", base_url=fake.url)))
    first_two = dt.datetime(2022, 10, 30, 2, 30, tzinfo=BRUSSELS, fold=0).timestamp()
    second_two = dt.datetime(2022, 10, 30, 2, 30, tzinfo=BRUSSELS, fold=1).timestamp()
    assert second_two - first_two == 3600
    assert series.price_at(first_two) == pytest.approx(0.10022)
    assert series.price_at(second_two) == pytest.approx(0.09993)
    assert series.end == dt.datetime(2022, 10, 31, tzinfo=BRUSSELS).timestamp()


async def test_an_unpublished_day_after_a_25_hour_day_takes_its_shape_by_wall_clock():
    async with FakeService() as fake:
        fake.answer("/price", Answer(body=recorded("energy_charts_be_2022-10-30_25h.json")))
        series = PriceSeries(await _fetch(EnergyCharts("BE", base_url=fake.url)))
    monday = dt.datetime(2022, 10, 31, tzinfo=BRUSSELS).timestamp()
    steps = series.steps(monday, 3600, 24, "Europe/Brussels")
    assert all(steps.estimated)
    # Monday 18:00 is priced as Sunday 18:00 (170.38 EUR/MWh), not as the hour 24 h earlier (17:00 wall clock)
    assert steps.prices[18] == pytest.approx(0.17038)
    assert "estimated from the last published day's shape" in steps.describe(monday, 3600)


async def test_tibber_posts_its_query_with_the_token_and_reads_totals():
    async with FakeService() as fake:
        fake.answer("/v1-beta/gql", Answer(body=recorded("tibber_de_2024-03-22.json")))
        points = await _fetch(Tibber("secret-token", base_url=fake.url))
    request = fake.seen[0]
    assert request.method == "POST" and request.headers["authorization"] == "Bearer secret-token"
    assert "priceInfo" in json.loads(request.body)["query"]
    assert len(points) == 24
    assert points[0].start == dt.datetime(2024, 3, 22, tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp()
    assert max(p.price for p in points) == pytest.approx(0.3243)  # 18:00, energy + tax


async def test_tibber_graphql_error_is_a_sentence_not_prices():
    async with FakeService() as fake:
        fake.answer("/v1-beta/gql", Answer.json({"errors": [{"message": "Context creation failed: invalid token",
                                                             "extensions": {"code": "UNAUTHENTICATED"}}]}))
        with pytest.raises(FeedError, match="invalid token"):
            await _fetch(Tibber("bad", base_url=fake.url))


async def test_octopus_follows_pages_and_reads_pence_incl_vat():
    async with FakeService() as fake:
        entry = json.loads(recorded("octopus_agile_2023-03-26_entry.json"))
        page_two = {**entry, "results": [{**entry["results"][0], "valid_from": "2023-03-26T01:30:00Z",
                                          "valid_to": "2023-03-26T02:00:00Z", "value_inc_vat": 20.0}]}
        path = "/v1/products/AGILE-FLEX-22-11-25/electricity-tariffs/E-1R-AGILE-FLEX-22-11-25-C/standard-unit-rates/"
        fake.answer(path, Answer.json({**entry, "next": f"{fake.url}/page2"}))
        fake.answer("/page2", Answer.json(page_two))
        points = await _fetch(OctopusAgile("AGILE-FLEX-22-11-25", "E-1R-AGILE-FLEX-22-11-25-C", base_url=fake.url))
    assert [p.price for p in points] == [pytest.approx(0.2457), pytest.approx(0.20)]
    assert fake.seen[0].query["period_from"] and len(fake.seen) == 2


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_key_says_so(status):
    async with FakeService() as fake:
        fake.answer("/v1-beta/gql", Answer.json({"message": "Unauthorized"}, status))
        with pytest.raises(FeedError, match="refused the credentials") as caught:
            await _fetch(Tibber("expired", base_url=fake.url))
    assert caught.value.auth


@pytest.mark.parametrize("header, wait", [("120", 120.0), ("Thu, 23 Sep 2021 12:50:00 GMT", 1632401400 - NOW)])
async def test_a_rate_limit_carries_its_retry_after(header, wait):
    async with FakeService() as fake:
        fake.answer("/v1/marketdata", Answer.json({"error": "rate limit"}, 429, retry_after=header))
        with pytest.raises(FeedError, match="429") as caught:
            await _fetch(Awattar("de", base_url=fake.url))
    assert caught.value.retry_after == pytest.approx(wait)


async def test_an_answer_that_is_not_a_price_list_is_refused():
    async with FakeService() as fake:
        fake.answer("/price", Answer(body=b"<html>maintenance</html>"))
        with pytest.raises(FeedError, match="not JSON"):
            await _fetch(EnergyCharts(base_url=fake.url))
        fake.routes["/price"] = [Answer.json({"unix_seconds": [1, 2], "price": [1.0], "unit": "EUR / MWh"})]
        with pytest.raises(FeedError, match="one length"):
            await _fetch(EnergyCharts(base_url=fake.url))
