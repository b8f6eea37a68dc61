"""Every SQL query of the dashboards runs against real MariaDB and PostgreSQL holding data, and returns rows."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
from sqlalchemy import text

from solarctl.sample import PollError, Sample
from solarctl.store import migrate
from solarctl.store.config import StorageConfig
from solarctl.store.engine import make_engine
from solarctl.store.grafana_sql import expand
from solarctl.store.records import encode
from solarctl.store.writer import BatchWriter

ROOT = Path(__file__).parent.parent.parent
OLD_DASHBOARD = ROOT / "tests" / "data" / "store" / "scp-dashboard.json"
spec = importlib.util.spec_from_file_location("dashboards_build", ROOT / "dashboards" / "build.py")
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

T0 = 1_717_200_000.0  # 2024-06-01 00:00 UTC
DAYS = 3
DRIVERS = {"xw": "conext_xw", "west": "conext_mppt", "east": "conext_mppt", "stack": "pylontech_console"}
RANGES = {"one day (1-minute rollups)": (T0 + 86400, T0 + 2 * 86400), "a month (1-hour rollups)": (T0 - 20 * 86400, T0 + 10 * 86400),
          "a year (1-hour rollups by day)": (T0 - 300 * 86400, T0 + 65 * 86400)}
VARIABLES = {"device": "xw", "metric": "grid_power"}


def plant(i: int) -> list:
    t = T0 + i * 120.0
    hour = (t % 86400) / 3600
    pv = max(0.0, 2500 * math.sin(math.pi * (hour - 6) / 12))
    status = {"inverter_status": "Grid Frequency Stabilization", "inverter_load_shave_status": "Enable",
              "inverter_grid_support_status": "Disable", "inverter_active_warnings_status": "None", "inverter_active_faults_status": "None"}
    events = [
        Sample("xw", t, {"device_name": "XW+ 8548", "grid_power": 600 - pv, "load_power": 600.0, "inverter_dc_power": -pv / 2,
                         "grid_voltage": 231.0, "load_voltage": 230.0, "grid_current": 2.0, "load_current": 2.6, "inverter_dc_current": 5.0,
                         "energy_load_month": 80.0, "energy_grid_month": 30.0, "energy_battery_month": 20.0,
                         "battery_low_voltage": 45.5, "battery_hysteresis": 2.0, "battery_power": pv / 3, **status}),
        Sample("west", t + 0.2, {"device_name": "MPPT: West", "dc_output_power": pv / 2, "dc_input_voltage": 300.0, "mppt_status": "Operating",
                                 "mppt_charger_status": "Bulk", "mppt_active_warnings_status": "None", "mppt_active_faults_status": "None",
                                 "energy_pv_day": 5.0, "energy_pv_week": 30.0, "energy_pv_month": 100.0, "energy_pv_year": 900.0}),
        Sample("east", t + 0.4, {"device_name": "MPPT: East", "dc_output_power": pv / 2, "dc_input_voltage": 290.0, "mppt_status": "Operating",
                                 "mppt_charger_status": "Bulk", "energy_pv_day": 4.0}),
        Sample("stack", t + 0.6, {"soc": 50 + 30 * math.sin(i / 200), "power": pv / 3, "modules": [
            {"index": m, "soc": 50.0, "voltage": 49.6, "current": 1.0, "temperature": 24.0, "base_state": "Charge",
             "voltage_state": "Normal", "current_state": "Normal", "temperature_state": "Normal"} for m in range(1, 7)]}),
    ]
    if i % 97 == 0:
        events.append(PollError("stack", t + 1, "no prompt from the console within 2 s"))
    return events


@pytest.fixture(scope="module")
def filled(mariadb, postgres) -> dict[str, str]:
    urls = {"mysql": mariadb.new_database(), "postgresql": postgres.new_database()}
    records = [encode(e)[1] for i in range(DAYS * 720) for e in plant(i)]
    for url in urls.values():
        engine = make_engine(url)
        migrate.upgrade(engine)
        writer = BatchWriter(engine, DRIVERS, StorageConfig())
        for k in range(0, len(records), 2000):
            writer.write(records[k: k + 2000])
        engine.dispose()
    return urls


def test_dashboard_files_are_built_from_build_py():
    for name, dash in build.dashboards().items():
        assert (ROOT / "dashboards" / name).read_text() == build.render(dash), f"run python dashboards/build.py ({name} is stale)"


def test_old_mislabel_fixed_and_datasources_provisioned():
    for db, ds in build.DATASOURCES.items():
        scp = json.loads((ROOT / "dashboards" / f"scp-{db}.json").read_text())
        sqls = [sql for _, sql in build.queries(scp)]
        assert not any("Monthly Energy from Solar" in q for q in sqls) and "Monthly Energy from Solar" not in json.dumps(scp)
        assert any('energy_battery_month AS "Monthly Energy from Battery"' in q for q in sqls)
        for name in (f"scp-{db}.json", f"solarctl-{db}.json"):
            dash = json.loads((ROOT / "dashboards" / name).read_text())
            assert {json.dumps(p["datasource"]) for p in build._all_panels(dash["panels"]) if "datasource" in p} == {json.dumps(ds)}


def run_all(url: str, dialect: str, dash: dict, require_rows: bool) -> list[str]:
    problems = []
    engine = make_engine(url)
    with engine.connect() as conn:
        for range_name, (start, end) in RANGES.items():
            for where, sql in build.queries(dash):
                try:
                    rows = conn.execute(text(expand(sql, dialect, start, end, VARIABLES).replace(":", "\\:"))).all()
                except Exception as error:  # collect them all for one readable failure
                    conn.rollback()
                    problems.append(f"{where} over {range_name}: {type(error).__name__}: {str(error).splitlines()[0]}")
                    continue
                if require_rows and not rows:
                    problems.append(f"{where} over {range_name}: no rows")
    engine.dispose()
    return problems


@pytest.mark.parametrize("dialect", ["mysql", "postgresql"])
@pytest.mark.parametrize("name", ["solarctl", "scp"])
def test_every_query_returns_rows(filled, dialect, name):
    dash = json.loads((ROOT / "dashboards" / f"{name}-{dialect}.json").read_text())
    assert len(build.queries(dash)) >= 10
    assert run_all(filled[dialect], dialect, dash, require_rows=True) == []


def test_unmodified_old_dashboard_still_runs_on_the_kept_tables(filled):
    """An existing SCP Grafana keeps working: its own queries run unchanged against our MariaDB tables."""
    old = json.loads(OLD_DASHBOARD.read_text())
    assert run_all(filled["mysql"], "mysql", old, require_rows=False) == []
