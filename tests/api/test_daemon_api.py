"""`solarctl read` / `set` while `solarctl run` owns the serial ports: both go through the daemon's control
socket. The simulators' request logs show what reached the wire: the write does, the read does not."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat

import pytest

from solarctl.api.address import socket_path
from tests.api.rig import ask, running_site, solarctl


def ledger(rig) -> list[dict]:
    return [json.loads(line) for line in (rig.data_dir / "audit.jsonl").read_text().splitlines()]


async def test_set_and_read_go_through_the_daemon_and_read_never_touches_the_port(tmp_path):
    # Polled once at start, then not for an hour: every later request on the wire is the CLI's doing.
    async with running_site(tmp_path, poll_interval=3600) as rig:
        config = str(rig.config_path)
        before = list(rig.site.server_of["inverter"].requests)
        code, out, err = await solarctl("set", "--config", config, "inverter.grid_connection", "off-grid")
        assert code == 0, err
        assert "inverter.grid_connection: on-grid -> off-grid (written, read back OK)" in out
        asked = list(rig.site.server_of["inverter"].requests)[len(before):]
        assert [(r.function, r.address) for r in asked if r.function in (6, 16)] == [(6, 20105)]
        assert asked[-1].function == 3 and asked[-1].address <= 20105  # the read-back, after the write
        assert rig.plant.settings.grid_connected is False
        entry = ledger(rig)[-1]
        assert entry["outcome"] == "written" and entry["source"] == f"cli:uid={os.getuid()}"

        counted = rig.requests("inverter"), rig.requests("bms1")
        code, out, err = await solarctl("read", "--config", config, "--json")
        assert code == 0, err
        data = json.loads(out)
        assert set(data) == {"devices", "alarms", "health"}
        assert set(data["devices"]) == {"inverter", "bms1"}
        values = data["devices"]["inverter"]
        assert values["model"] == "PV1800" and values["battery_voltage"] == pytest.approx(rig.plant.battery.voltage_v, abs=0.1)
        assert len(data["devices"]["bms1"]["cell_voltages"]) == 16
        assert data["health"]["inverter"]["good_polls"] == 1 and data["health"]["inverter"]["last_good_at"]
        assert data["health"]["sink:store"]["state"] == "ok" and data["health"]["sink:store"]["dropped"] == 0
        # every supervised task of the daemon by name (issue 19.2): a failed one would say "down" here
        assert {"task:store database", "task:store journal", "task:alert watch", "task:control api"} <= set(data["health"])
        assert data["health"]["task:store database"] == {"state": "ok", "failures": 0, "restarts": 0, "last_error": None}

        code, out, err = await solarctl("read", "--config", config, "--json", "--device", "bms1")
        assert code == 0, err
        data = json.loads(out)
        assert set(data["devices"]) == {"bms1"} and "bms1" in data["health"] and "inverter" not in data["health"]
        code, out, err = await solarctl("read", "--config", config, "--device", "inverter")
        assert code == 0, err
        assert out.startswith("[inverter]\n") and "  battery_voltage = " in out and " V\n" in out and "[bms1]" not in out
        assert (rig.requests("inverter"), rig.requests("bms1")) == counted  # answered from the daemon's hub

        code, out, err = await solarctl("set", "--config", config, "inverter.grid_connection", "on-grid", "--dry-run")
        assert code == 0 and "dry run, nothing written" in out and rig.plant.settings.grid_connected is False
        code, out, err = await solarctl("set", "--config", config, "inverter.grid_power", "1")
        assert code == 2 and "not a writable setting" in err
        assert [e["outcome"] for e in ledger(rig)] == ["written", "dry_run", "rejected"]


async def raw_exchange(path, lines: list[bytes]) -> list[dict]:
    reader, writer = await asyncio.open_unix_connection(str(path), limit=1 << 20)
    answers = []
    try:
        for line in lines:
            writer.write(line)
            await writer.drain()
            async with asyncio.timeout(10):
                answers.append(json.loads(await reader.readline()))
    finally:
        writer.close()
    return answers


async def test_owner_only_socket_bad_requests_one_daemon_per_data_dir_and_fallback_without_daemon(tmp_path):
    async with running_site(tmp_path, poll_interval=0.5) as rig:
        path = socket_path(rig.data_dir)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        status = await ask(rig.data_dir, "status")
        assert status["pid"] == rig.daemon.pid and status["config"] == str(rig.config_path.resolve())
        assert status["uptime_s"] > 0

        answers = await raw_exchange(path, [
            b"not json\n", b'["status"]\n', b'{"op": "reboot"}\n', b'{"op": "set", "device": 5}\n',
            b'{"op": "read", "devices": ["nope"]}\n', b'{"op": "set", "device": "inverter", "setting": "x"}\n',
            b'{"op": "status"}\n'])
        errors = [a.get("error") for a in answers]
        assert [a["ok"] for a in answers] == [False] * 6 + [True]
        assert "not JSON" in errors[0] and '"op" key' in errors[1] and "unknown op 'reboot'" in errors[2]
        assert "must be a str" in errors[3] and "no device named 'nope'" in errors[4] and '"value"' in errors[5]
        (too_long,) = await raw_exchange(path, [b'{"op": "status", "pad": "' + b"x" * 100_000 + b'"}\n'])
        assert too_long["ok"] is False and "longer than" in too_long["error"]

        polled = rig.requests("inverter")
        await asyncio.sleep(2)
        assert rig.requests("inverter") >= polled + 3  # still polling at 0.5 s
        assert (await ask(rig.data_dir, "status"))["pid"] == rig.daemon.pid

        code, out, err = await solarctl("run", "--config", str(rig.config_path))
        assert code == 1 and "already runs for data dir" in err and f"pid {rig.daemon.pid}" in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err

        rig.site.faults("bms1").silent = True  # the pack stops answering: its latest poll fails
        async with asyncio.timeout(15):
            while "bms1" not in (await ask(rig.data_dir, "read"))["errors"]:
                await asyncio.sleep(0.2)
        code, out, err = await solarctl("read", "--config", str(rig.config_path), "--json")
        assert code == 1 and "solarctl read: bms1: " in err
        assert set(json.loads(out)["devices"]) == {"inverter"}
        rig.site.faults("bms1").silent = False

        # A killed daemon leaves its socket behind: read and set see nobody answers and open the ports.
        await rig.stop_daemon(signal.SIGKILL)
        assert path.exists()
        polled = rig.requests("inverter")
        code, out, err = await solarctl("read", "--config", str(rig.config_path), "--json", "--device", "inverter")
        assert code == 0, err
        assert rig.requests("inverter") > polled and json.loads(out)["devices"]["inverter"]["model"] == "PV1800"
        code, out, err = await solarctl("set", "--config", str(rig.config_path), "inverter.grid_connection", "off-grid")
        assert code == 0, err
        assert rig.plant.settings.grid_connected is False and ledger(rig)[-1]["source"] == "cli"

        await rig.start_daemon()  # the dead daemon's socket is replaced
        assert (await ask(rig.data_dir, "status"))["pid"] == rig.daemon.pid
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not path.exists()  # a clean stop takes its socket along
