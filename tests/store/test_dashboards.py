"""Every SQL query of the dashboards runs against real MariaDB and PostgreSQL holding what the daemon wrote over a
simulated hour of the SCP demo site, and returns rows; the old SCP dashboard's panels return the right series."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import text

from solarctl.clock import ScaledClock
from solarctl.config import validate_config
from solarctl.daemon import Daemon
from solarctl.demo.run import demo_config_text
from solarctl.plant import Plant, run_plant
from solarctl.publish.store_sink import StoreSink
from solarctl.sim.site import SimulatedSite
from solarctl.store import migrate
from solarctl.store.engine import make_engine
from solarctl.store.grafana_sql import expand
from solarctl.store.store import SampleStore

ROOT = Path(__file__).parent.parent.parent
OLD_DASHBOARD = ROOT / "tests" / "data" / "store" / "scp-dashboard.json"
spec = importlib.util.spec_from_file_location("dashboards_build", ROOT / "dashboards" / "build.py")
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

T0 = 1_717_228_800.0  # 2024-06-01 08:00 UTC: the plant's panels produce, the battery charges and discharges
HOUR = 3600.0
SPEED = 240.0  # the simulated hour takes 15 s
RANGES = {"one day (1-minute rollups)": (T0 - 8 * HOUR, T0 + 16 * HOUR), "a month (1-hour rollups)": (T0 - 20 * 86400, T0 + 10 * 86400),
          "a year (1-hour rollups by day)": (T0 - 300 * 86400, T0 + 65 * 86400)}
VARIABLES = {"device": "xw", "metric": "grid_power"}


def site_config(data_dir: Path, url: str):
    """The embedded SCP demo site (XW, MPPTs West and East, ComBox, six Pylontech modules, soc_band) storing in `url`,
    polled every 10 s as SCP's 30 s cycle would be too few rows for an hour."""
    data_dir.mkdir(parents=True, exist_ok=True)
    data = tomllib.loads(demo_config_text(data_dir))
    for device in data["device"]:
        device["poll_interval"] = 10
    data["storage"] = {"url": url, "flush_interval": 60}
    data["strategy"][0]["interval"] = 30
    return validate_config(data)


@pytest.fixture(scope="module")
def filled(mariadb, postgres, tmp_path_factory) -> dict[str, str]:
    """An hour of the demo site written by the daemon: its pollers over the simulators, the hub, the store (and a
    second store for PostgreSQL, attached to the same hub), on a clock running SPEED times real time."""
    urls = {"mysql": mariadb.new_database(), "postgresql": postgres.new_database()}
    for url in urls.values():  # as `solarctl run` does before it starts (Alembic runs one migration per process at a time)
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    base = tmp_path_factory.mktemp("daemon-hour")
    config = site_config(base / "mysql", urls["mysql"])

    async def an_hour() -> None:
        clock = ScaledClock(SPEED, start=T0)
        plant = Plant(config.plant, start=clock.time())
        site = SimulatedSite(config, plant)
        await site.start()
        daemon = Daemon(config, clock)
        second = SampleStore(site_config(base / "postgresql", urls["postgresql"]), drivers=daemon.store.drivers, clock=clock)
        daemon.sinks.append(StoreSink(second))
        tasks = [asyncio.create_task(run_plant(plant, clock, step_s=5.0)), asyncio.create_task(daemon.run())]
        try:
            async with asyncio.timeout(HOUR / SPEED + 60):
                await clock.sleep(HOUR / 3)
                site.faults("combox").dead_units.add(201)  # unplugged for five minutes: failed polls for their panels
                await clock.sleep(300)
                site.faults("combox").dead_units.clear()
                await clock.sleep(2 * HOUR / 3 - 300)
        finally:
            for task in reversed(tasks):  # the daemon's way out stops its sinks: each store writes what it holds
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await site.stop()
        for store in (daemon.store, second):
            assert store.status.error is None and store.status.written > 0, store.status

    asyncio.run(an_hour())
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


def panel_queries(dash: dict, title: str) -> list[str]:
    return [sql for where, sql in build.queries(dash) if where.startswith(f"panel {title!r} ")]


@pytest.mark.parametrize("dialect", ["mysql", "postgresql"])
def test_old_dashboard_panels_show_the_hour_the_daemon_wrote(filled, dialect):
    """The fixed SCP dashboard on the daemon's rows: both MPPT panels follow their controller for the whole hour
    (the Xanbus name is on every row), the newest-row tables hold one row per device with no NULL setting, and
    grid power reads + import (conext_xw keeps the XW's sign, the dashboard negates it as the old one did)."""
    dash = json.loads((ROOT / "dashboards" / f"scp-{dialect}.json").read_text())
    engine = make_engine(filled[dialect])
    with engine.connect() as conn:
        def run(sql: str) -> list[dict]:
            return [dict(r) for r in conn.execute(text(expand(sql, dialect, *RANGES["one day (1-minute rollups)"], VARIABLES)
                                                       .replace(":", "\\:"))).mappings()]

        polls = dict(conn.execute(text("SELECT device, COUNT(*) FROM conext_mppt GROUP BY device")).all())
        gauge_west, gauge_east, series_west, series_east = panel_queries(dash, "PV Power Information")
        for side, gauge, series in (("West", gauge_west, series_west), ("East", gauge_east, series_east)):
            rows = run(series)
            assert len(rows) == polls[f"mppt_{side.lower()}"] > 100, side  # ~360 at 10 s; fewer on a loaded machine
            assert (rows[-1]["time"] - rows[0]["time"]).total_seconds() > 0.9 * HOUR, side  # the whole hour, not frozen
            (now,) = run(gauge)
            assert now["metric"] == f"MPPT: {side}" and now["PV Power"] is not None
        assert set(conn.execute(text("SELECT DISTINCT device_name FROM conext_mppt")).scalars()) == {"MPPT: West", "MPPT: East"}

        newest = {"Inverter Status": 1, "Inverter Information": 1, "Solar Charge Controller Status": 2,
                  "Solar Charge Controller Information": 2, None: 6}
        for title, devices in newest.items():
            (sql,) = panel_queries(dash, title)
            rows = run(sql)
            assert len(rows) == devices and all(v is not None for r in rows for v in r.values()), (title, rows)
        (info,) = run(panel_queries(dash, "Inverter Information")[0])
        # soc_band's on_start, or its on_stop when the last poll came after the daemon's way out had restored it
        shown = (info["Battery Low Voltage  Cutout"], info["Battery Voltage Hysteresis"])
        assert shown in {(45.5, 2.0), (46.5, 2.5)}, shown
        newest_xw = conn.execute(text("SELECT battery_low_voltage, battery_hysteresis FROM conext_xw "
                                      "ORDER BY ts DESC LIMIT 1")).one()
        assert shown == tuple(newest_xw), (shown, newest_xw)  # the panel shows the newest row the daemon wrote
        unset = "battery_low_voltage IS NULL OR battery_hysteresis IS NULL OR inverter_load_shave_status IS NULL OR device_name <> 'XW+ 8548 E'"
        assert conn.execute(text(f"SELECT COUNT(*) FROM conext_xw WHERE {unset}")).scalar() == 0

        series = run(panel_queries(dash, "Power Information")[1])
        assert len(series) > 100
        newest_row = series[-1]
        data = json.loads(conn.execute(text("SELECT data FROM sample WHERE device = 'xw' AND ts = :ts"), {"ts": newest_row["time"]}).scalar())
        assert newest_row["Grid Power (+ import)"] == data["grid_power"]
    engine.dispose()
