"""Build the Grafana dashboards, one source for both data sources: `python dashboards/build.py`.

Writes, for MySQL/MariaDB and PostgreSQL alike (the SQL is the same; only the data source differs):
- solarctl-<db>.json: the whole installation, on the rollups and the daily energy summary;
- scp-<db>.json: the old SCP dashboard (src/scp-dashboard.orig.json) on the kept SCP tables, fixed.
tests/store/test_dashboards.py checks the JSON files are what this script makes, and runs every query.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).parent
DATASOURCES = {"mysql": {"type": "mysql", "uid": "solarctl-mysql"},
               "postgresql": {"type": "grafana-postgresql-datasource", "uid": "solarctl-postgresql"}}
INSTALLATION = "'(installation)'"  # the installation's own rollups (solarctl.store.energy): one key range per curve
DAY = 86400
# Resolution by dashboard range: up to 2 days 1-minute rollups; up to 31 days 1-hour rollups; longer, the
# 1-hour rollups grouped by day (a year: 365 points per curve, from 8760 rows).
TIERS = [("rollup_1m", "1m", f"$__unixEpochTo() - $__unixEpochFrom() <= {2 * DAY}"),
         ("rollup_1h", "1h", f"$__unixEpochTo() - $__unixEpochFrom() > {2 * DAY} AND $__unixEpochTo() - $__unixEpochFrom() <= {31 * DAY}"),
         ("rollup_1h", "1d", f"$__unixEpochTo() - $__unixEpochFrom() > {31 * DAY}")]


def auto_resolution(select: str) -> str:
    """The same SELECT at each tier; the other tiers' WHERE is constant-false, which MySQL, MariaDB and
    PostgreSQL resolve without touching their tables."""
    return "\nUNION ALL\n".join(select.format(table=t, step=step, range=r) for t, step, r in TIERS) + "\nORDER BY 1"


POWER = "'pv_power', 'load_power', 'grid_power', 'battery_power'"
LATEST = f"(SELECT MAX(bucket) FROM rollup_1m WHERE device = {INSTALLATION} AND metric = 'load_power')"

QUERIES = {
    "now": "SELECT " + ", ".join(f"SUM(CASE WHEN metric = '{m}' THEN mean END) AS \"{label}\"" for m, label in
                                (("pv_power", "PV"), ("load_power", "Load"), ("grid_power", "Grid (+ import)"),
                                 ("battery_power", "Battery (+ charging)")))
           + f"\nFROM rollup_1m\nWHERE device = {INSTALLATION} AND metric IN ({POWER}) AND bucket = {LATEST}",
    "soc_now": f"SELECT mean AS \"State of charge\"\nFROM rollup_1m\nWHERE device = {INSTALLATION} AND metric = 'soc'\nORDER BY bucket DESC LIMIT 1",
    "energy_total": ("SELECT SUM(pv_kwh) AS \"PV\", SUM(load_kwh) AS \"Load\", SUM(grid_import_kwh) AS \"Grid import\",\n"
                     " SUM(grid_export_kwh) AS \"Grid export\", SUM(battery_in_kwh) AS \"Battery charge\", SUM(battery_out_kwh) AS \"Battery discharge\"\n"
                     "FROM energy_daily WHERE $__timeFilter(day)"),
    "ratios_total": ("SELECT (SUM(pv_kwh) - SUM(grid_export_kwh)) / NULLIF(SUM(pv_kwh), 0) AS \"Self-consumption\",\n"
                     " (SUM(load_kwh) - SUM(grid_import_kwh)) / NULLIF(SUM(load_kwh), 0) AS \"Autarky\"\n"
                     "FROM energy_daily WHERE $__timeFilter(day)"),
    "energy_daily": ("SELECT day AS \"time\", pv_kwh AS \"PV\", load_kwh AS \"Load\", grid_import_kwh AS \"Grid import\",\n"
                     " grid_export_kwh AS \"Grid export\", battery_in_kwh AS \"Battery charge\", battery_out_kwh AS \"Battery discharge\"\n"
                     "FROM energy_daily WHERE $__timeFilter(day) ORDER BY 1"),
    "ratios_daily": ("SELECT day AS \"time\", self_consumption AS \"Self-consumption\", autarky AS \"Autarky\"\n"
                     "FROM energy_daily WHERE $__timeFilter(day) ORDER BY 1"),
    "power": auto_resolution(
        "SELECT $__timeGroupAlias(bucket, {step}), metric, SUM(mean * n) / SUM(n) AS value\nFROM {table}\n"
        f"WHERE device = {INSTALLATION} AND metric IN ({POWER}) AND $__timeFilter(bucket) AND {{range}}\nGROUP BY 1, 2"),
    "soc": auto_resolution(
        "SELECT $__timeGroupAlias(bucket, {step}), SUM(mean * n) / SUM(n) AS \"State of charge\"\nFROM {table}\n"
        f"WHERE device = {INSTALLATION} AND metric = 'soc' AND $__timeFilter(bucket) AND {{range}}\nGROUP BY 1"),
    "grid_energy": auto_resolution(
        "SELECT $__timeGroupAlias(bucket, {step}), SUM(energy_in_kwh) AS \"Import\", SUM(energy_out_kwh) AS \"Export\"\nFROM {table}\n"
        f"WHERE device = {INSTALLATION} AND metric = 'grid_power' AND $__timeFilter(bucket) AND {{range}}\nGROUP BY 1"),
    "explore": auto_resolution(
        "SELECT $__timeGroupAlias(bucket, {step}), MIN(minimum) AS \"min\", SUM(mean * n) / SUM(n) AS \"mean\", MAX(maximum) AS \"max\"\n"
        "FROM {table}\nWHERE device = '$device' AND metric = '$metric' AND $__timeFilter(bucket) AND {range}\nGROUP BY 1"),
    "failures_daily": ("SELECT $__timeGroupAlias(ts, 1d), device AS metric, COUNT(*) AS value\nFROM device_health\n"
                       "WHERE $__timeFilter(ts) AND NOT ok\nGROUP BY 1, 2 ORDER BY 1"),
    "failures": "SELECT ts AS \"time\", device AS \"Device\", reason AS \"Reason\"\nFROM device_health\nWHERE $__timeFilter(ts) AND NOT ok\nORDER BY ts DESC LIMIT 200",
}

VARIABLES = {"device": "SELECT DISTINCT device FROM metric ORDER BY 1",
             "metric": "SELECT metric FROM metric WHERE device = '$device' ORDER BY 1"}


def panel(kind: str, title: str, query: str, pos: tuple[int, int, int, int], unit: str = "", fmt: str = "time_series", **defaults) -> dict:
    x, y, w, h = pos
    out = {"type": kind, "title": title, "gridPos": {"x": x, "y": y, "w": w, "h": h},
           "targets": [{"refId": "A", "format": fmt, "rawQuery": True, "editorMode": "code", "rawSql": QUERIES[query]}],
           "fieldConfig": {"defaults": {"unit": unit, **defaults}, "overrides": []}, "options": {}}
    if query in ("energy_daily", "grid_energy", "failures_daily"):
        out["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "bars", "fillOpacity": 80, "stacking": {"mode": "none"}}
    return out


def row(title: str, y: int) -> dict:
    return {"type": "row", "title": title, "collapsed": False, "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []}


def installation() -> dict:
    panels = [
        row("Now", 0),
        panel("stat", "Power now (latest minute)", "now", (0, 1, 18, 4), "watt", fmt="table"),
        panel("gauge", "Battery state of charge", "soc_now", (18, 1, 6, 4), "percent", fmt="table", min=0, max=100),
        row("Energy", 5),
        panel("stat", "Energy in the range", "energy_total", (0, 6, 16, 4), "kwatth", fmt="table", decimals=1),
        panel("stat", "Self-consumption and autarky in the range", "ratios_total", (16, 6, 8, 4), "percentunit", fmt="table", min=0, max=1),
        panel("timeseries", "Daily energy", "energy_daily", (0, 10, 16, 9), "kwatth"),
        panel("timeseries", "Daily self-consumption and autarky", "ratios_daily", (16, 10, 8, 9), "percentunit", min=0, max=1),
        row("Power", 19),
        panel("timeseries", "Power, mean per interval (grid + = import, battery + = charging)", "power", (0, 20, 16, 9), "watt"),
        panel("timeseries", "Battery state of charge", "soc", (16, 20, 8, 9), "percent", min=0, max=100),
        panel("timeseries", "Grid import / export energy per interval", "grid_energy", (0, 29, 24, 7), "kwatth"),
        row("Devices", 36),
        panel("timeseries", "$device $metric (min / mean / max per interval)", "explore", (0, 37, 24, 9)),
        panel("timeseries", "Failed polls per day", "failures_daily", (0, 46, 10, 8), "short"),
        panel("table", "Failed polls", "failures", (10, 46, 14, 8), fmt="table"),
    ]
    templating = [{"name": name, "label": name.title(), "type": "query", "query": sql, "definition": sql, "refresh": 1,
                   "includeAll": False, "multi": False} for name, sql in VARIABLES.items()]
    return {"title": "solarctl: installation", "uid": "solarctl-installation", "tags": ["solarctl"], "timezone": "browser",
            "schemaVersion": 39, "editable": True, "refresh": "1m", "time": {"from": "now-7d", "to": "now"},
            "templating": {"list": templating}, "panels": panels, "annotations": {"list": []}}


def scp() -> dict:
    """The old SCP dashboard on the kept tables, with its faults fixed."""
    text = (HERE / "src" / "scp-dashboard.orig.json").read_text()
    # energy_battery_month is the energy from the battery, not from solar.
    text = text.replace("Monthly Energy from Solar", "Monthly Energy from Battery").replace("BMS CurrentStatus", "BMS Current Status")
    dash = json.loads(text)
    for p in _all_panels(dash["panels"]):
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        if p.get("title") == "Battery Current":
            defaults.pop("min", None)  # the current is signed now: + charging, - discharging
            p["title"] = "Battery Current (+ charging)"
        if p.get("title") == "Battery Temperature":
            defaults.pop("min", None), defaults.pop("max", None)  # 20-30 °C hid winter and summer
        for t in p.get("targets", []):
            if "rawSql" in t:
                t["rawSql"] = _fix_sql(t["rawSql"])
    dash.update(id=None, uid="solarctl-scp", title="Solar Control Program (solarctl)", version=1)
    return dash


def _fix_sql(sql: str) -> str:
    sql = sql.replace("load_Current", "load_current")
    # conext_xw keeps the XW's sign (- import), as the old program stored it: every grid curve shows + import.
    sql = re.sub(r'-?grid_power AS "Grid Power"', '-grid_power AS "Grid Power (+ import)"', sql)
    sql = sql.replace('grid_current AS "Grid AC Current"', '-grid_current AS "Grid AC Current (+ import)"')
    # Devices are polled one by one, so "the newest ts of the table" matches one device only: take each device's newest row.
    return re.sub(r"\(ts\) IN \(\s*SELECT\s+MAX\(ts\)\s+(?:from|FROM)\s+(\w+)\s*\)",
                  r"(device_name, ts) IN (SELECT device_name, MAX(ts) FROM \1 GROUP BY device_name)", sql)


def _all_panels(panels: list) -> list:
    return [q for p in panels for q in [p, *_all_panels(p.get("panels", []))]]


def with_datasource(dash: dict, ds: dict) -> dict:
    dash = json.loads(json.dumps(dash))
    for p in _all_panels(dash["panels"]):
        if p.get("type") != "row" or "datasource" in p:
            p["datasource"] = ds
        for t in p.get("targets", []):
            if "rawSql" in t:
                t["datasource"] = ds
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            v["datasource"] = ds
    return dash


def dashboards() -> dict[str, dict]:
    return {f"{name}-{db}.json": with_datasource(make(), ds) for db, ds in DATASOURCES.items()
            for name, make in (("solarctl", installation), ("scp", scp))}


def queries(dash: dict) -> list[tuple[str, str]]:
    """(where, SQL) of every query in a dashboard: panel targets and template variables."""
    out = [(f"panel {p.get('title')!r} {t['refId']}", t["rawSql"]) for p in _all_panels(dash["panels"]) for t in p.get("targets", []) if t.get("rawSql")]
    return out + [(f"variable {v['name']}", v["query"]) for v in dash.get("templating", {}).get("list", []) if v.get("type") == "query"]


def render(dash: dict) -> str:
    return json.dumps(dash, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for name, dash in dashboards().items():
        (HERE / name).write_text(render(dash))
        print(f"wrote dashboards/{name}")
