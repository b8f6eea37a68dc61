"""`solarctl demo` on a machine with nothing but Python: no socat (nor any other program) on PATH."""

import sqlite3
import subprocess
import sys


def bare_demo(site: str, data_dir, duration: int = 20) -> subprocess.Popen:
    # PATH names no directory at all, so no external program can be found; Python by absolute path.
    env = {"PATH": "/nonexistent", "HOME": str(data_dir), "LANG": "C.UTF-8"}
    return subprocess.Popen([sys.executable, "-m", "solarctl", "demo", "--site", site, "--duration", str(duration),
                             "--data-dir", str(data_dir)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_both_demo_sites_show_live_values_without_socat(tmp_path):
    station_dir, scp_dir = tmp_path / "station", tmp_path / "scp"
    station, scp = bare_demo("solar-station", station_dir), bare_demo("scp", scp_dir)  # side by side: half the wait
    results = {name: (proc, *proc.communicate(timeout=120)) for name, proc in (("station", station), ("scp", scp))}
    for name, (proc, out, err) in results.items():
        assert proc.returncode == 0, f"{name}: {err}"
        assert "Traceback" not in err and "socat" not in out + err

    _, out, _ = results["station"]
    for device in ("inverter", "bms1", "bms2", "bms3", "bms4"):
        assert device in out
    assert "SoC" in out and "samples written" in out
    assert f"command file: {station_dir / 'inverter_cmd.lst'}  (e.g. echo 20105=0 >> " in out  # where to write it
    assert (station_dir.stat().st_mode & 0o777, (station_dir / "solarctl.db").stat().st_mode & 0o777) == (0o700, 0o600)
    db = sqlite3.connect(station_dir / "solarctl.db")
    rows, grid_voltage = db.execute("select count(*), max(grid_voltage) from must_pv1800").fetchone()
    assert rows >= 3 and 200 < grid_voltage < 260  # the PV1800 on its simulated RS485 port
    packs, voltage = db.execute("select count(distinct device), max(voltage) from jk_pack").fetchone()
    assert packs == 4 and 40 < voltage < 60  # four JK packs sharing the second port

    _, out, _ = results["scp"]
    assert "AC Pass Through" in out or "Load Shaving" in out
    db = sqlite3.connect(scp_dir / "solarctl.db")
    modules = db.execute("select count(distinct device_name) from pylontech_bms").fetchone()[0]
    assert modules == 6  # the Pylontech console on its simulated RS232 port
