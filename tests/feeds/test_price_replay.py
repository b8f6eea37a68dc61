"""Replaying past day-ahead prices in a backtest: the CSV with its 23- and 25-hour days, the publication rule
(a plan knows tomorrow's prices only after the auction), and `solarctl simulate --prices`."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import pytest

from solarctl.feeds.price_csv import PriceCsvError, check_covers, load_price_csv, replay_tariff

EXCERPT = Path(__file__).parents[2] / "bench" / "data" / "day_ahead_be_2022_excerpt.csv"
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def _at(*args, fold=0) -> float:
    return dt.datetime(*args, tzinfo=BRUSSELS, fold=fold).timestamp()


def test_the_real_excerpt_reads_with_its_clock_changes():
    points = {p.start: p for p in load_price_csv(EXCERPT, "Europe/Brussels")}
    assert len(points) == 3 * 24 * 18 - 1 - 24 + 1  # three windows (18, 18, 17 days), 27 March 23 h, 30 Oct 25 h
    # 27 March: 01:00 CET is followed by 03:00 CEST one real hour later; 02:00 does not exist
    assert points[_at(2022, 3, 27, 1)].end == _at(2022, 3, 27, 3)
    # 30 October: 02:00 comes twice, summer time first
    assert points[_at(2022, 10, 30, 2, fold=0)].price == pytest.approx(0.10022)
    assert points[_at(2022, 10, 30, 2, fold=1)].price == pytest.approx(0.09993)
    # a gap between the windows stays a gap (no price of 18 January stretched into March)
    assert points[_at(2022, 1, 18, 23)].end == _at(2022, 1, 19, 0)


def test_a_bad_file_is_one_sentence(tmp_path):
    bad = tmp_path / "p.csv"
    bad.write_text("time,price\n2022-01-01T00:00,1\n")
    with pytest.raises(PriceCsvError, match="header `time,price_per_kwh`"):
        load_price_csv(bad, "UTC")
    bad.write_text("time,price_per_mwh\n2022-01-01T01:00,50\n2022-01-01T00:00,60\n")
    with pytest.raises(PriceCsvError, match="increasing order"):
        load_price_csv(bad, "UTC")
    bad.write_text("time,price_per_mwh\nyesterday,50\n")
    with pytest.raises(PriceCsvError, match="line 2: time 'yesterday'"):
        load_price_csv(bad, "UTC")


def test_a_plan_learns_tomorrows_prices_only_after_the_auction(tmp_path):
    tariff = replay_tariff(EXCERPT, None, "Europe/Brussels")
    morning, afternoon = _at(2022, 1, 5, 10), _at(2022, 1, 5, 14)
    tariff.plan_prices(morning, 900, 96, "Europe/Brussels")
    estimated = tariff.last.estimated
    assert estimated.index(True) == 14 * 4  # from midnight on: tomorrow is not published at 10:00
    # ... and estimated from the same hours today: 6 January 08:00 as 5 January 08:00
    prices = tariff.plan_prices(morning, 900, 96, "Europe/Brussels")
    assert prices[22 * 4] == pytest.approx(0.18161)
    tariff.plan_prices(afternoon, 900, 96, "Europe/Brussels")
    assert not any(tariff.last.estimated)  # after 13:00 the next day is known
    # the accounting sees every price as it was
    assert tariff.import_prices(morning, 3600, 24, "Europe/Brussels")[22] == pytest.approx(0.25243)


def test_the_user_formula_and_feed_in_come_from_a_market_tariff_file(tmp_path):
    path = tmp_path / "tariff.toml"
    path.write_text('[market]\nsource = "energy-charts"\nzone = "BE"\nimport_price = "(market + 0.12) * 1.21"\n'
                    'feed_in = 0.05\n')
    tariff = replay_tariff(EXCERPT, path, "Europe/Brussels")
    assert tariff.import_prices(_at(2022, 1, 3, 0), 3600, 1, "Europe/Brussels") == [pytest.approx((-0.0007 + 0.12) * 1.21)]
    assert tariff.feed_in == 0.05
    path.write_text('[market]\nsource = "awattar"\nfeed_in = "market"\n')
    with pytest.raises(PriceCsvError, match="feed_in as a number"):
        replay_tariff(EXCERPT, path, "Europe/Brussels")
    path.write_text("import_price = 0.3\n")
    with pytest.raises(PriceCsvError, match="needs a \\[market\\] table"):
        replay_tariff(EXCERPT, path, "Europe/Brussels")
    with pytest.raises(PriceCsvError, match="no price for 2022-01-18 23:00 UTC"):
        check_covers(replay_tariff(EXCERPT, None, "Europe/Brussels"), _at(2022, 1, 15), 6 * 86400, EXCERPT)


def test_simulate_replays_the_prices(tmp_path):
    from typer.testing import CliRunner

    from solarctl.cli import app

    result = CliRunner().invoke(app, ["simulate", "--strategy", "forecast", "--site", "solar-station",
                                      "--prices", str(EXCERPT), "--start", "2022-03-28", "--days", "2",
                                      "--step", "15min", "--weather", "clear-sky", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "day-ahead" in report["tariff"]
    costs = {name: row["cost"] for name, row in report["strategies"].items()}
    assert costs["optimum"] <= costs["forecast"] and costs["optimum"] <= costs["static"]
    outside = CliRunner().invoke(app, ["simulate", "--strategy", "forecast", "--prices", str(EXCERPT),
                                       "--start", "2022-06-01", "--days", "1", "--weather", "clear-sky"])
    assert outside.exit_code == 1 and "choose --start and --days within the file's span" in outside.output
