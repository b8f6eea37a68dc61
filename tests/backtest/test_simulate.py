"""`solarctl simulate` end to end, and the backtest's own promises: the energy balance closes, the strategies
are the daemon's, the write budget holds offline, a user's history can replace the standard inputs."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from solarctl.backtest.scenario import make_scenario
from solarctl.backtest.session import run_backtest
from solarctl.cli.app import app


def test_simulate_soc_band_for_a_week_as_json(optimizer):
    plotted_before = "matplotlib" in sys.modules
    result = CliRunner().invoke(app, ["simulate", "--strategy", "soc_band", "--days", "7", "--weather", "clear-sky",
                                      "--start", "2025-12-01", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report["strategies"]) == ["none", "static", "soc_band", "optimum"]
    none, soc_band, best = (report["strategies"][n] for n in ("none", "soc_band", "optimum"))
    static = report["strategies"]["static"]
    assert static["setting"] in report["static_costs"] and static["cost"] == min(report["static_costs"].values())
    assert len(report["static_costs"]) == 4  # the XW: grid support x load shave
    # soc_band really ran on the plant: it switched load shave, and the battery carried part of the house.
    assert soc_band["setting_writes"] >= 2 and soc_band["refused_writes"] == 0 and soc_band["mode_switches"] >= 1
    assert none["setting_writes"] == 0 and none["equivalent_full_cycles"] < soc_band["equivalent_full_cycles"]
    assert soc_band["grid_import_kwh"] < none["grid_import_kwh"] and soc_band["cost"] < none["cost"]
    assert soc_band["load_kwh"] == none["load_kwh"] > 0 and soc_band["unmet_load_kwh"] == 0
    # Every strategy against the optimum: the ratios are its cost and import over the optimum's.
    assert best["cost_ratio"] == 1.0 and best["import_ratio"] == 1.0
    assert abs(soc_band["cost_ratio"] - soc_band["cost"] / best["cost"]) < 1e-12
    assert abs(soc_band["import_ratio"] - soc_band["grid_import_kwh"] / best["grid_import_kwh"]) < 1e-12
    assert none["gap_closed_pct"] == 0
    if optimizer == "real":  # the LP: nothing beats it, and soc_band closes part of none's gap to it
        assert best["grid_import_kwh"] <= soc_band["grid_import_kwh"] and 0 < soc_band["gap_closed_pct"] < 100
    assert report["days"] == 7 and report["step_s"] == 300 and report["weather"] == "clear-sky"
    assert plotted_before or "matplotlib" not in sys.modules  # matplotlib only for --plot


@pytest.mark.parametrize("site, strategy", [("scp", "soc_band"), ("solar-station", "none")])
def test_the_energy_balance_closes_over_the_run(site, strategy, tariff):
    scenario = make_scenario(site, weather="clear-sky", load="bdew", start="2025-03-10", days=14, step="5min")
    result = run_backtest(scenario, site, [strategy], tariff, with_optimum=False, with_static=False)
    assert all(trace.steps == 14 * 288 for trace in result.traces.values())
    for run in result.results:
        # PV + import = load + export + Δbattery + losses, from the flows booked step by step.
        assert run.pv_kwh > 1 and run.grid_import_kwh > 20 and run.losses_kwh > 0 and run.battery_delta_kwh != 0
        assert abs(run.balance_error_kwh) < 1e-9 * (run.pv_kwh + run.grid_import_kwh), run.name


def test_a_load_history_from_csv_replaces_the_profile(tmp_path):
    history = tmp_path / "load.csv"
    history.write_text("time,load_w\n2025-05-01T00:00:00+02:00,500\n2025-05-01T12:00:00+02:00,1500\n")
    result = CliRunner().invoke(app, ["simulate", "--strategy", "none", "--days", "1", "--weather", "clear-sky",
                                      "--start", "2025-05-01", "--load", str(history), "--json"])
    assert result.exit_code == 0, result.output
    none = json.loads(result.stdout)["strategies"]["none"]
    assert abs(none["load_kwh"] - (12 * 0.5 + 12 * 1.5)) < 1e-6


def test_a_bad_option_is_one_sentence(tmp_path):
    result = CliRunner().invoke(app, ["simulate", "--strategy", "no_such", "--days", "1", "--weather", "clear-sky"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "solarctl simulate: unknown strategy 'no_such'; choose one of none, soc_band" \
        or result.stderr.startswith("solarctl simulate: unknown strategy 'no_such'; choose one of none, soc_band")


def test_plot_draws_a_png(tmp_path):
    picture = tmp_path / "week.png"
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["simulate", "--strategy", "soc_band", "--days", "8",
                                                            "--weather", "clear-sky", "--load", "builtin",
                                                            "--plot", str(picture)])
    assert result.exit_code == 0, result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 10_000
    assert "soc_band" in result.stdout and "optimum" in result.stdout


def test_a_site_config_file_and_its_strategy_table(tmp_path):
    from solarctl.demo.run import demo_config_text

    site = tmp_path / "site.toml"
    # The SCP demo site with a two-module battery and the band moved: the file's own [plant] and [[strategy]] count.
    site.write_text(demo_config_text(tmp_path, "scp_site").replace("module_count = 6", "module_count = 2")
                    .replace("soc_high = 80.0", "soc_high = 90.0"))
    result = CliRunner().invoke(app, ["simulate", "--site", str(site), "--strategy", "soc_band", "--days", "2",
                                      "--weather", "clear-sky", "--start", "2025-12-01", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["site"] == str(site) and report["strategies"]["soc_band"]["unmet_load_kwh"] == 0
    assert 4.0 < report["battery_kwh"] < 5.5  # two 50 Ah modules of 15 cells, not the demo's six
    assert report["strategies"]["soc_band"]["equivalent_full_cycles"] > 0


def test_the_table_is_whole_when_written_to_a_file_or_a_pipe():
    result = CliRunner().invoke(app, ["simulate", "--strategy", "none", "--days", "1", "--weather", "clear-sky",
                                      "--start", "2025-06-01"])
    assert result.exit_code == 0, result.output
    assert "gap closed %" in result.stdout and "h < min SoC" in result.stdout and "unmet kWh" in result.stdout
    assert "…" not in result.stdout  # no column cut to an ellipsis at 80 characters


@pytest.mark.parametrize("site", ["scp", "solar-station"])
def test_static_is_the_best_fixed_setting_and_beats_none(site, optimizer):
    """`none` leaves the inverter in pass-through / as the demo starts it; a user sets it once to its best mode."""
    from solarctl.optimize.tariff import Tariff

    scenario = make_scenario(site, weather="clear-sky", load="builtin", start="2025-11-10", days=7, step="5min")
    result = run_backtest(scenario, site, [], Tariff.flat(0.30, 0.08), workers=2)
    rows = {r.name: r for r in result.results}
    assert list(rows) == ["none", "static", "optimum"]
    static, none, best = rows["static"], rows["none"], rows["optimum"]
    assert static.cost == min(result.static_costs.values()) < none.cost
    assert static.setting in result.static_costs and len(result.static_costs) == (4 if site == "scp" else 6)
    assert static.gap_closed_pct > 90 and none.gap_closed_pct == 0 and best.cost < none.cost
    assert result.seconds["static"] > 0 and result.cpu_seconds["static"] > 0
