"""soc_band always leaves the inverter safe, shown with a real `solarctl run` process, real signals, and the
settings read back from a simulated ComBox gateway (an XW and the ComBox's SoC) served in the test's loop:
SIGTERM restores even with `daily_write_budget = 1`; a battery whose data is lost gets the safe settings and a
logged condition, and normal control back when it returns; an inverter unreachable at exit gets its restores
at the next start, before anything else; unchanged decisions and dry runs send nothing (counted at the simulator)."""

import asyncio
import json
import signal

import pytest
import tomli_w

from solarctl.config import load_config
from tests.api.rig import Rig
from tests.conftest import StaticGateway

XW, COMBOX = 10, 201
LBCO, SHAVE = 0x017C, 0x01B2  # the XW registers of low_battery_cut_out and load_shave
WRITES = (6, 16)


def start_config(tmp_path, port, control=None, **strategy):
    common = {"host": "127.0.0.1", "port": port, "timeout": 0.3, "poll_interval": 0.2, "slow_interval": 0.2}
    path = tmp_path / "site.toml"
    path.write_text(tomli_w.dumps({
        "general": {"data_dir": str(tmp_path / "data")},
        "control": control or {},
        "device": [{"name": "xw", "driver": "conext_xw", **common}, {"name": "combox", "driver": "conext_combox", **common}],
        "strategy": [{"name": "soc_band", "inverter": "xw", "battery": "combox", "interval": 0.2,
                      "on_start": {"low_battery_cut_out": 46.0},
                      "on_stop": {"low_battery_cut_out": 46.5, "load_shave": "Disable"}, **strategy}],
    }))
    return Rig(path, load_config(path), plant=None, site=None)


@pytest.fixture
async def gateway():
    async with StaticGateway(units=(XW, COMBOX)) as server:
        server.units[XW].values().update(inverter_load_shave_status="Disable", battery_low_voltage=45.5)
        server.units[COMBOX].values()["battery_soc"] = 85  # above the band: load shave on
        yield server


def xw(server):
    values = server.units[XW].values()
    return values["inverter_load_shave_status"], values["battery_low_voltage"]


def writes(server):
    return [r.address for r in server.requests if r.unit == XW and r.function in WRITES]


def ledger(rig):
    path = rig.data_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def daemon_log(rig):
    return (rig.config_path.parent / "daemon.log").read_text()


async def until(predicate, seconds=15.0):
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.05)


async def stopped(rig, coro):
    try:
        return await coro
    finally:
        await rig.stop_daemon(signal.SIGKILL)


async def test_sigterm_restores_even_with_a_write_budget_of_one(gateway, tmp_path):
    rig = start_config(tmp_path, gateway.port, control={"daily_write_budget": 1})

    async def run():
        await rig.start_daemon()
        await until(lambda: xw(gateway) == ("Enable", 46.0))
        assert writes(gateway) == [LBCO, SHAVE]  # the start setting, then the band's decision
        await until(lambda: len(ledger(rig)) == 2)  # each write's row follows its read-back
        await asyncio.sleep(1.5)  # ~7 steps deciding "Enable" again: nothing sent, nothing written down
        assert writes(gateway) == [LBCO, SHAVE] and len(ledger(rig)) == 2
        assert daemon_log(rig).count("load_shave") == 1
        gateway.units[COMBOX].values()["battery_soc"] = 10  # below the band: "Disable", but the budget is spent
        await until(lambda: len(ledger(rig)) == 3)
        await asyncio.sleep(1.0)
        assert ledger(rig)[-1]["outcome"] == "rejected" and len(ledger(rig)) == 3  # refused once, not every step
        assert writes(gateway) == [LBCO, SHAVE] and daemon_log(rig).count("budget used up") == 1
        await rig.stop_daemon(signal.SIGTERM)
        assert rig.daemon.returncode == 0
        assert xw(gateway) == ("Disable", 46.5)  # both registers already used their one write today
        assert writes(gateway) == [LBCO, SHAVE, LBCO, SHAVE]
        restores = [r for r in ledger(rig) if r.get("restore")]
        assert [(r["setting"], r["outcome"]) for r in restores] == [("low_battery_cut_out", "written"), ("load_shave", "written")]

    await stopped(rig, run())


async def test_a_battery_lost_longer_than_the_limit_gets_the_safe_settings_and_back(gateway, tmp_path):
    rig = start_config(tmp_path, gateway.port, battery_lost_after=1.0)

    async def run():
        await rig.start_daemon()
        await until(lambda: xw(gateway) == ("Enable", 46.0))
        gateway.faults.dead_units.add(COMBOX)  # the battery's data is gone
        await until(lambda: xw(gateway) == ("Disable", 46.5))
        await until(lambda: "no fresh data from combox" in daemon_log(rig))
        gateway.faults.dead_units.clear()
        await until(lambda: xw(gateway) == ("Enable", 46.0))  # back to normal: start settings, then the band
        await until(lambda: "battery_data_lost (combox) cleared" in daemon_log(rig))  # the alert manager clears it after its release hysteresis

    await stopped(rig, run())


async def test_an_inverter_unreachable_at_exit_is_restored_first_at_the_next_start(gateway, tmp_path):
    rig = start_config(tmp_path, gateway.port)

    async def run():
        await rig.start_daemon()
        await until(lambda: xw(gateway) == ("Enable", 46.0))
        gateway.faults.dead_units.add(XW)
        await rig.stop_daemon(signal.SIGTERM)
        assert xw(gateway) == ("Enable", 46.0)
        pending = json.loads((rig.data_dir / "pending_restores.json").read_text())
        assert [(p["setting"], p["value"]) for p in pending] == [("low_battery_cut_out", 46.5), ("load_shave", "Disable")]
        gateway.faults.dead_units.clear()
        gateway.units[COMBOX].values()["battery_soc"] = 50  # inside the band: the restored shave holds
        before = len(writes(gateway))
        await rig.start_daemon()
        await until(lambda: len(writes(gateway)) >= before + 3)
        assert writes(gateway)[before:before + 3] == [LBCO, SHAVE, LBCO]  # the restores, then the start setting
        assert xw(gateway) == ("Disable", 46.0)
        assert json.loads((rig.data_dir / "pending_restores.json").read_text()) == []

    await stopped(rig, run())


async def test_dry_run_sends_no_write(gateway, tmp_path):
    rig = start_config(tmp_path, gateway.port, control={"dry_run": True})

    async def run():
        await rig.start_daemon()
        await until(lambda: any(r["outcome"] == "dry_run" and r["setting"] == "load_shave" for r in ledger(rig)))
        await rig.stop_daemon(signal.SIGTERM)
        assert writes(gateway) == [] and xw(gateway) == ("Disable", 45.5)
        assert {r["outcome"] for r in ledger(rig)} == {"dry_run", "unchanged"}

    await stopped(rig, run())
