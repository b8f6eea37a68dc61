"""`solarctl demo` and `solarctl sim` + `solarctl read`, as a user runs them."""

import json
import os
import subprocess
import sys
import time

from solarctl.config import parse_config
from tests.sim.test_outage import start_sim, write_config


def solarctl(*args, timeout=90):
    return subprocess.run([sys.executable, "-m", "solarctl", *args], capture_output=True, text=True, timeout=timeout)


def test_demo_runs_the_whole_site_and_stops_by_itself(tmp_path):
    started = time.monotonic()
    result = solarctl("demo", "--duration", "6", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    out = result.stdout
    for name in ("xw", "mppt_west", "mppt_east", "combox"):
        assert name in out
    assert "AC Pass Through" in out or "Load Shaving" in out  # live values reached the table
    assert "error" not in out.lower()
    assert "strategy:soc_band" in out  # the control strategy ran (its start settings, verified)
    ledger = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert ledger and all(e["outcome"] in ("written", "unchanged") for e in ledger)
    assert any(e["setting"] == "load_shave" and e["requested"] == "Disable" for e in ledger)  # restored on stop
    # Everything polled went into the embedded SQLite database, in the old SCP tables too.
    import sqlite3

    db = sqlite3.connect(tmp_path / "solarctl.db")
    xw_rows = db.execute("select count(*), max(grid_voltage) from conext_xw").fetchone()
    assert xw_rows[0] >= 2 and 200 < xw_rows[1] < 260
    modules = db.execute("select count(distinct device_name) from pylontech_bms").fetchone()[0]
    assert modules == 6  # 'Battery: 1' .. 'Battery: 6'
    assert "samples written" in out


def test_demo_print_config_is_a_valid_config(tmp_path):
    result = solarctl("demo", "--print-config", "--data-dir", str(tmp_path))
    assert result.returncode == 0
    cfg = parse_config(result.stdout)
    assert {d.driver for d in cfg.device} >= {"conext_xw", "conext_mppt", "conext_combox"}


async def test_sim_then_read(tmp_path):
    from tests.conftest import free_port
    from tests.cli.test_device_cli import solarctl as run_async

    port = free_port()
    config = write_config(tmp_path, port)
    sim = await start_sim(config, port)
    try:
        code, out, err = await run_async("read", "--config", str(config), "--json")
    finally:
        sim.kill()
        await sim.wait()
    assert code == 0, err
    data = json.loads(out)
    assert set(data["devices"]) == {"xw", "west", "combox"}
    assert 40 < data["devices"]["combox"]["battery_voltage"] < 60
    assert data["devices"]["west"]["device_name"] == "MPPT: West"


def test_demo_prints_plain_status_lines_to_a_pipe_and_leaves_no_temp_dir(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = subprocess.run([sys.executable, "-m", "solarctl", "demo", "--duration", "3"], capture_output=True, text=True,
                            timeout=90, env={**os.environ, "TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("plant time ") for line in lines), result.stdout
    assert any(line.startswith("  xw: fresh   ") for line in lines) and any(line.startswith("  storage: ") for line in lines)
    assert "\x1b" not in result.stdout  # no terminal codes
    assert list(temp.iterdir()) == []  # its temporary data dir is gone
