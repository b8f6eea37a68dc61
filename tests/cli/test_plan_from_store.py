"""`solarctl plan` without a daemon: the forecast strategy's plan made from the stored history (the installation's
minutes, written as the daemon writes them from a plant run), headed by what it rests on; no history, one sentence."""

from __future__ import annotations

import json
import re
import time

import pytest
from typer.testing import CliRunner

from solarctl.cli.app import app
from solarctl.config import load_config
from solarctl.control.config import ForecastStrategyConfig
from solarctl.control.stored_plan import forecast_strategies
from tests.stored_history import installation, record

HORIZON_H = round(ForecastStrategyConfig.model_fields["horizon_h"].default)  # the default plan length, hours
FORECAST = '\n[[strategy]]\nname = "forecast"\ninverter = "xw"\nbattery = "battery"\nimport_price = 0.3\n'


@pytest.fixture
def site(tmp_path):
    from solarctl.demo.run import demo_config_text

    path = tmp_path / "site.toml"
    path.write_text(demo_config_text(tmp_path, "scp_site") + FORECAST)  # its database: tmp_path/solarctl.db
    return path


def plan(*args: str):
    return CliRunner().invoke(app, ["plan", *args])


def test_without_a_daemon_the_plan_is_made_from_two_stored_days(site):
    config = load_config(site)
    end = time.time() // 60 * 60 - 60  # the newest stored minute ended a minute or two ago
    record(config, end - 2 * 86400, 2 * 1440)
    last_soc = installation(config, "soc")[-1][1]
    result = plan("--config", str(site))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"\[forecast\] computed from stored history \(2\.0 days, latest sample at \d\d:\d\d, [0-3] "
                        r"minutes old\) because no daemon runs", lines[0]), lines[0]
    assert lines[1].startswith("[forecast] plan made ") and "load: profile of 3 day(s) seen" in lines[1]
    assert lines[2].split()[:3] == ["time", "PV", "W"] and len(lines) == 3 + HORIZON_H  # the daemon's hourly table
    first_hour_soc = float(lines[3].split()[-1])
    answer = json.loads(plan("--config", str(site), "--json").stdout)
    assert answer["source"] == "store" and answer["zone"] == config.plant.timezone
    (entry,) = answer["plans"]
    steps = entry["plan"]
    assert entry["strategy"] == "forecast" and entry["history_days"] == pytest.approx(2.0)
    assert entry["latest_at"] == end - 60 and 60 <= entry["age_s"] < 300
    # The plan starts from the stored SoC: its first step (15 min) ends within what the battery can move in it.
    limits = forecast_strategies(config)[0].limits
    most = max(limits.charge_max_w, limits.discharge_max_w) * 0.25 / (limits.battery_kwh * 1000) * 100
    start_soc = min(limits.soc_max_pct, max(limits.soc_min_pct, last_soc))
    assert abs(steps["soc_pct"][0] - start_soc) <= most + 1e-6
    assert abs(first_hour_soc - start_soc) <= 4 * most + 0.5
    assert len(steps["battery_w"]) == HORIZON_H * 4 and steps["pv_w"][0] == installation(config, "pv_power")[-1][1]


def test_an_old_newest_minute_is_said_to_be_stale(site):
    config = load_config(site)
    end = time.time() // 60 * 60 - 3 * 3600
    record(config, end - 86400, 1440)
    result = plan("--config", str(site))
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert "(1.0 days, latest sample at" in first and "older than an hour: the plan starts from a stale SoC" in first
    assert re.search(r", 18[0-3] minutes old\)", first), first


def test_no_stored_history_is_one_sentence(site, tmp_path):
    result = plan("--config", str(site))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"solarctl plan: no daemon runs for {tmp_path}: no stored history to plan from either (no database at "
        f"{tmp_path / 'solarctl.db'} (the daemon creates it when it first stores a sample)); start `solarctl run "
        f"--config {site}`: it plans as it runs and stores what it sees for later"]
    assert not (tmp_path / "solarctl.db").exists()


def test_an_empty_database_is_one_sentence(site, tmp_path):
    record(load_config(site), time.time(), 0)  # the schema, no minutes
    result = plan("--config", str(site))
    assert result.exit_code == 1 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"solarctl plan: no daemon runs for {tmp_path}: no stored history to plan from either "
                           "(database sqlite:///") and "holds no pv_power, load_power, soc minutes" in line
