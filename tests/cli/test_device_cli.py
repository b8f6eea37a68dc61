"""`solarctl read` and `solarctl set` as a user runs them, against a gateway simulator over TCP."""

import asyncio
import json
import sys

from tests.conftest import StaticGateway


async def solarctl(*args):
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()


def write_config(tmp_path, port, extra=""):
    path = tmp_path / "solarctl.toml"
    path.write_text(f"""
[general]
data_dir = "{tmp_path}/data"

[[device]]
name = "xw"
driver = "conext_xw"
host = "127.0.0.1"
port = {port}
timeout = 0.5

[[device]]
name = "west"
driver = "conext_mppt"
host = "127.0.0.1"
port = {port}
unit = 30

[[device]]
name = "east"
driver = "conext_mppt"
host = "127.0.0.1"
port = {port}
unit = 31
timeout = 0.5
{extra}""")
    return path


async def test_read_json_prints_values_and_health(tmp_path):
    async with StaticGateway() as server:
        code, out, err = await solarctl("read", "--config", str(write_config(tmp_path, server.port)), "--json")
    assert code == 0, err
    data = json.loads(out)
    xw = data["devices"]["xw"]
    assert xw["grid_voltage"] == 231.456 and xw["grid_power"] == -575 and xw["inverter_status"] == "Load Shaving"
    assert xw["battery_low_voltage"] == 45.5 and xw["inverter_load_shave_status"] == "Enable"
    assert data["devices"]["west"]["device_name"] == "MPPT: West" and data["devices"]["east"]["device_name"] == "MPPT: East"
    health = data["health"]["xw"]
    assert health["success_rate"] == 1.0 and health["consecutive_errors"] == 0 and health["last_good_at"]
    assert health["latency_ms"] is not None


async def test_read_fails_with_reason_when_a_device_is_missing(tmp_path):
    async with StaticGateway(units=(10, 30)) as server:  # the east MPPT is not on the bus
        code, out, err = await solarctl("read", "--config", str(write_config(tmp_path, server.port)), "--json")
    assert code == 1
    assert "east" in err and "gateway target device failed to respond" in err
    data = json.loads(out)
    assert "east" not in data["devices"] and data["devices"]["west"]["dc_input_voltage"] == 112.5
    assert data["health"]["east"]["consecutive_errors"] == 1


async def test_read_of_an_unreachable_gateway(tmp_path):
    code, out, err = await solarctl("read", "--config", str(write_config(tmp_path, 1)), "--device", "xw")
    assert code == 1 and "xw" in err and "cannot connect" in err and "Traceback" not in err


async def test_set_writes_verifies_and_logs(tmp_path):
    async with StaticGateway() as server:
        cfg = str(write_config(tmp_path, server.port))
        code, out, err = await solarctl("set", "--config", cfg, "xw.grid_support", "Enable")
        assert code == 0, err
        assert "Disable -> Enable (written, read back OK)" in out
        assert server.units[10].values()["inverter_grid_support_status"] == "Enable"
        code, out, err = await solarctl("set", "--config", cfg, "xw.low_battery_cut_out", "60", "--dry-run")
        assert code == 2 and "outside the valid range" in err
        code, out, err = await solarctl("set", "--config", cfg, "xw.low_battery_cut_out", "46", "--dry-run")
        assert code == 0 and "dry run" in out and server.units[10].values()["battery_low_voltage"] == 45.5
        code, out, err = await solarctl("set", "--config", cfg, "xw.grid_power", "1")
        assert code == 2 and "not a writable setting" in err
    ledger = [json.loads(line) for line in (tmp_path / "data" / "audit.jsonl").read_text().splitlines()]
    assert [e["outcome"] for e in ledger] == ["written", "rejected", "dry_run", "rejected"]


async def test_set_needs_device_dot_setting(tmp_path):
    code, out, err = await solarctl("set", "--config", str(write_config(tmp_path, 1)), "load_shave", "1")
    assert code == 2 and "expected DEVICE.SETTING" in err
