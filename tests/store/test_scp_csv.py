"""Importing the old SCP CSV battery logs (both formats)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from solarctl.store import schema
from solarctl.store.engine import make_engine
from solarctl.store.scp_csv import read_log

LOGS = Path(__file__).parent.parent / "data" / "store" / "bms-csv-logs"
BERLIN = ZoneInfo("Europe/Berlin")


def test_2021_format_is_scaled_from_raw_units():
    first = next(read_log(LOGS / "2021-04-04.csv", "bat", BERLIN))
    assert first.timestamp == datetime(2021, 4, 4, 0, 0, tzinfo=BERLIN).timestamp()
    m1 = first.values["modules"][0]
    assert (m1["index"], m1["soc"], m1["voltage"], m1["current"], m1["temperature"]) == (1, 45.0, 49.012, 1.717, 21.0)
    assert first.values["module_count"] == 6 and len(first.values["modules"]) == 6


def test_rows_in_one_minute_are_spread_not_overwritten():
    samples = list(read_log(LOGS / "2021-04-04.csv", "bat", BERLIN))
    stamps = [s.timestamp for s in samples]
    assert len(set(stamps)) == len(stamps) == 60 and stamps == sorted(stamps)
    t01 = [s.timestamp for s in samples if datetime.fromtimestamp(s.timestamp, BERLIN).strftime("%H:%M") == "00:01"]
    assert len(t01) == 2 and t01[1] - t01[0] == 30.0  # "0:1" twice: 00:01:00 and 00:01:30


def test_2023_format_signs_current_from_status_and_keeps_states():
    s = next(read_log(LOGS / "2023-08-21.csv", "bat", BERLIN))
    assert s.timestamp == datetime(2023, 8, 21, 0, 0, 25, tzinfo=BERLIN).timestamp()
    m = s.values["modules"][0]
    assert (m["voltage"], m["current"], m["base_state"], m["voltage_state"]) == (49.676, -1.812, "Dischg", "Normal")
    assert s.values["current"] < 0  # the stack discharges
    partial = list(read_log(LOGS / "2023-08-19.csv", "bat", BERLIN))[0]  # SoC-only rows at the format change
    assert partial.values["modules"] == [{"index": 1, "soc": 68.0}]


def test_cli_import_into_pylontech_bms(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    env = {"SOLARCTL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "solarctl", "db", *a], capture_output=True, text=True, env=env, timeout=120)
    assert run("init", "--url", url).returncode == 0
    for _ in range(2):  # importing twice stores once
        result = run("import-scp-csv", str(LOGS), "--url", url, "--timezone", "Europe/Berlin", "--device", "pylontech")
        assert result.returncode == 0, result.stderr
    assert "imported 156 rows from 4 file(s)" in result.stdout
    engine = make_engine(url)
    b = schema.pylontech_bms
    with engine.connect() as conn:
        names = conn.execute(select(b.c.device_name).distinct().order_by(b.c.device_name)).scalars().all()
        n = conn.execute(select(func.count()).select_from(b)).scalar()
        first = conn.execute(select(b.c.ts).order_by(b.c.ts).limit(1)).scalar()
        rolled = conn.execute(select(func.count()).select_from(schema.rollup_1h).where(schema.rollup_1h.c.metric == "soc")).scalar()
    engine.dispose()
    assert names == [f"Battery: {i}" for i in range(1, 7)]
    assert n == 60 * 6 + (1 + 2 + 6 + 6 + 1 + 6) + 30 * 6 + 60 * 6  # modules present per row
    assert first == datetime(2021, 4, 4, 0, 0, tzinfo=BERLIN).astimezone(timezone.utc).replace(tzinfo=None)
    assert rolled > 0
