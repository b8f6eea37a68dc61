"""Time of the installation dashboard's queries over a year of 10-second data, per engine:
`python bench/store_queries.py [--engines sqlite,mariadb,postgresql] [--days 365]`.

Builds what a year of polling a 4-device installation every 10 s leaves behind: 1-minute and 1-hour
rollups of the power and state-of-charge metrics computed from the 10-second points with the store's own
minute_aggs(), hourly rollups of ~40 further metrics, the daily energy summary, the last two days of raw rows
(through the normal writer) and some failed polls. Then runs every query of dashboards/solarctl-mysql.json
(the PostgreSQL file's SQL is identical) with the dashboard range set to the whole year and to one day,
and prints the median of 5 runs. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from store_common import DRIVERS, MPPT_EXTRA, ROOT, STEP, T0, XW_EXTRA, load_servers, poll, signals

from solarctl.sample import PollError
from solarctl.store import energy, migrate, schema
from solarctl.store.config import StorageConfig
from solarctl.store.engine import make_engine
from solarctl.store.grafana_sql import expand
from solarctl.store.records import encode
from solarctl.store.rollup import ROLLUP_COLUMNS, HOUR, MINUTE, Minutes, floor, fold, minute_aggs, refresh_hours, rollup_row
from solarctl.store.rows import ts_of
from solarctl.store.upsert import upsert
from solarctl.store.writer import BatchWriter

ROLLED = {"xw": ["grid_power", "load_power", "battery_power"], "west": ["dc_output_power"], "east": ["dc_output_power"],
          "stack": ["soc", "power"]}
SOURCE = {("xw", "grid_power"): "grid", ("xw", "load_power"): "load", ("xw", "battery_power"): "battery", ("west", "dc_output_power"): "pv",
          ("east", "dc_output_power"): "pv", ("stack", "soc"): "soc", ("stack", "power"): "battery"}
SCALE = {"west": 0.5, "east": 0.5}
FILLER = {"xw": XW_EXTRA, "west": MPPT_EXTRA, "east": MPPT_EXTRA, "stack": ["voltage", "current", "temperature", "module_count"]}
DAY = 86400


def _dict(row: tuple) -> dict:
    return dict(zip(ROLLUP_COLUMNS, row))


def populate(url: str, days: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    storage = StorageConfig()
    writer = BatchWriter(engine, DRIVERS, storage)
    per_day = int(DAY / STEP)
    power = {"grid_power", "load_power", "battery_power", "dc_output_power", "power"}
    started = time.perf_counter()
    for day in range(days):
        moments = [T0 + (day * per_day + k) * STEP for k in range(per_day)]
        physics = [signals(t) for t in moments]
        minute_rows, hour_rows = [], []
        for device in DRIVERS:
            points = [(t, {m: x[SOURCE[(device, m)]] * SCALE.get(device, 1.0) for m in ROLLED[device]}) for t, x in zip(moments, physics)]
            minutes = minute_aggs(points, None, power, storage.max_gap, MINUTE)
            groups: dict[tuple[str, int], list] = defaultdict(list)
            for (metric, bucket), a in minutes.items():
                minute_rows.append(_dict(rollup_row(device, metric, ts_of(bucket), a)))
                groups[(metric, floor(bucket, HOUR))].append(a)
            hours = {key: fold(group) for key, group in groups.items()}
            for hour in range(int(T0 + day * DAY), int(T0 + (day + 1) * DAY), HOUR):
                for metric in FILLER[device]:
                    hours[(metric, hour)] = [360, 1.0, 3.0, 720.0, None, None]
            hour_rows += [_dict(rollup_row(device, metric, ts_of(bucket), a)) for (metric, bucket), a in hours.items()]
        with engine.begin() as conn:
            upsert(conn, schema.rollup_1m, minute_rows)
            upsert(conn, schema.rollup_1h, hour_rows)
            day_lo = int(T0 + day * DAY)
            whole = energy.refresh_installation(conn, {d: Minutes(day_lo, day_lo + DAY, {}) for d in DRIVERS}, writer.roles)
            refresh_hours(conn, {energy.INSTALLATION: whole})
            upsert(conn, schema.device_health, [{"device": "stack", "ts": minute_rows[i]["bucket"], "ok": False, "reason": "no prompt"}
                                                for i in range(0, len(minute_rows), 997)])
        if day % 30 == 29:
            print(f"    {day + 1} days of rollups written ({time.perf_counter() - started:.0f} s)", flush=True)
    with engine.begin() as conn:
        zone = ZoneInfo("UTC")
        energy.refresh_days(conn, energy.local_days(range(int(T0), int(T0 + days * DAY), DAY), zone), writer.roles, zone)
    last = int((days - 2) * per_day)
    records = [encode(s)[1] for k in range(last, days * per_day) for s in poll(k)]
    records.append(encode(PollError("stack", T0 + days * DAY - 30, "no prompt"))[1])
    for k in range(0, len(records), 5000):
        writer.write(records[k: k + 5000])  # the last two days raw, with their rollups as the daemon writes them
    print(f"    populated in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()


def time_queries(url: str, dialect: str, days: int) -> dict[str, dict[str, float]]:
    spec = importlib.util.spec_from_file_location("dashboards_build", ROOT / "dashboards" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    dash = build.installation()
    end = T0 + days * DAY
    ranges = {"year": (end - days * DAY, end), "day": (end - DAY, end)}
    engine = make_engine(url)
    out: dict[str, dict[str, float]] = {}
    with engine.connect() as conn:
        for n, (where, sql) in enumerate(build.queries(dash), 1):
            where = f"{n:>2} {where}"
            out[where] = {}
            for name, (start, stop) in ranges.items():
                q = text(expand(sql, "sqlite" if dialect == "sqlite" else dialect, start, stop, {"device": "xw", "metric": "grid_power"}))
                conn.execute(q).all()  # warm
                runs = []
                for _ in range(5):
                    t = time.perf_counter()
                    rows = conn.execute(q).all()
                    runs.append((time.perf_counter() - t) * 1000)
                out[where][name] = statistics.median(runs)
                out[where][name + "_rows"] = len(rows)
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="sqlite,mariadb,postgresql")
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="solarctl-bench-"))
    servers = load_servers()
    started = []
    for engine in args.engines.split(","):
        if engine == "sqlite":
            url, dialect = f"sqlite:///{tmp}/year.db", "sqlite"
        elif engine == "mariadb":
            started.append(server := servers.MariaDB(tmp / "mariadb"))
            url, dialect = server.new_database(), "mysql"
        else:
            started.append(server := servers.Postgres())
            url, dialect = server.new_database(), "postgresql"
        print(f"{engine}: populating {args.days} days of 10-second data ...", flush=True)
        populate(url, args.days)
        results = time_queries(url, dialect, args.days)
        print(f"{engine}: median of 5 runs, ms (rows)        whole {args.days} days    one day")
        for where, r in results.items():
            print(f"  {where[:58]:<58} {r['year']:>8.1f} ({r['year_rows']:>5}) {r['day']:>8.1f} ({r['day_rows']:>4})")
    for server in started:
        server.stop()


if __name__ == "__main__":
    main()
