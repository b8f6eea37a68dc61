"""`solarctl simulate --load db` / `--weather db`: the user's own history from the site's database (the
installation's minutes, written as the daemon writes them), its gaps filled and reported, its errors sentences."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from solarctl.cli.app import app
from solarctl.config import load_config
from tests.stored_history import installation, local_midnight, record

DAY = 1440


@pytest.fixture
def site(tmp_path):
    from solarctl.demo.run import demo_config_text

    path = tmp_path / "site.toml"
    path.write_text(demo_config_text(tmp_path, "scp_site"))  # its database: tmp_path/solarctl.db
    return path


def simulate(*args: str):
    return CliRunner().invoke(app, ["simulate", "--strategy", "none", *args])


def test_the_stored_load_is_replayed_over_the_stored_span(site):
    config = load_config(site)
    start = local_midnight("2025-06-02", config.plant.timezone)
    record(config, start, 2 * DAY)
    result = simulate("--site", str(site), "--load", "db", "--weather", "clear-sky", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["days"] == 2 and report["start"].startswith("2025-06-02T00:00")  # the stored span by default
    assert report["load"] == "db" and report["load_filled_hours"] == 0 and report["weather_filled_hours"] is None
    stored = installation(config, "load_power")
    assert len(stored) == 2 * DAY
    stored_kwh = sum(mean for _, mean, _ in stored) * 60 / 3.6e6  # each minute's mean for its minute
    none = report["strategies"]["none"]
    assert none["load_kwh"] == pytest.approx(stored_kwh, rel=1e-9)
    integrated_kwh = sum(e for _, _, e in stored)  # the store's own energy (trapezoids between samples)
    assert none["load_kwh"] == pytest.approx(integrated_kwh, rel=5e-3)


def test_stored_pv_replays_as_the_weather(site):
    config = load_config(site)
    start = local_midnight("2025-06-02", config.plant.timezone)
    record(config, start, DAY)
    result = simulate("--site", str(site), "--load", "db", "--weather", "db", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    stored_kwh = sum(mean for _, mean, _ in installation(config, "pv_power")) * 60 / 3.6e6
    # The stored PV (the charge controllers' output) comes back as irradiance on the same arrays: the plant's
    # own limits and losses apply, so about the same energy, not the same number.
    assert stored_kwh > 1 and report["strategies"]["none"]["pv_kwh"] == pytest.approx(stored_kwh, rel=0.15)
    assert report["weather_filled_hours"] == 0


def test_a_two_hour_hole_is_filled_and_reported(site):
    config = load_config(site)
    start = local_midnight("2025-06-02", config.plant.timezone)
    hole = (start + 34 * 3600, start + 36 * 3600)  # 10:00-12:00 on the second day: the daemon was down
    record(config, start, 2 * DAY, holes=(hole,))
    result = simulate("--site", str(site), "--load", "db", "--weather", "clear-sky", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["load_filled_hours"] == pytest.approx(2.0, abs=0.05)
    table = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["simulate", "--strategy", "none", "--site", str(site),
                                                           "--load", "db", "--weather", "clear-sky"])
    assert table.exit_code == 0, table.output
    assert "gaps over 15 min filled" in table.stdout and "load 2.0 h" in table.stdout


def test_an_explicit_start_and_length_pick_part_of_the_stored_span(site):
    config = load_config(site)
    record(config, local_midnight("2025-06-02", config.plant.timezone), 2 * DAY)
    result = simulate("--site", str(site), "--load", "db", "--weather", "clear-sky", "--start", "2025-06-03",
                      "--days", "0.5", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["days"] == 0.5 and report["start"].startswith("2025-06-03T00:00") and report["load_filled_hours"] == 0


def test_bdew_keeps_its_defaults():
    from solarctl.backtest.scenario import make_scenario

    scenario = make_scenario("scp", weather="clear-sky", load="bdew", step="1h")
    assert scenario.days == 365 and scenario.filled_hours == {}


def one_sentence(result) -> str:
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_db_on_a_demo_site_is_one_sentence():
    message = one_sentence(simulate("--site", "scp", "--load", "db"))
    assert "demo site 'scp' has none" in message and "--site YOUR-CONFIG.toml" in message


def test_no_database_is_one_sentence(site):
    message = one_sentence(simulate("--site", str(site), "--load", "db"))
    assert message.startswith("solarctl simulate: --load db: no database at ") and "solarctl run --config" in message


def test_a_span_without_stored_minutes_is_one_sentence(site):
    config = load_config(site)
    record(config, local_midnight("2025-06-02", config.plant.timezone), 60)
    message = one_sentence(simulate("--site", str(site), "--load", "db", "--start", "2025-01-01", "--days", "1"))
    assert "has no load_power minutes of the installation from 2025-01-01 00:00" in message
    assert "they cover 2025-06-02 00:00 to 2025-06-02 01:00" in message
