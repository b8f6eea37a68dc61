"""`solarctl alerts [--active] [--json]`, `solarctl alerts ack ID` and `solarctl audit --since … --json` against
a real `solarctl run` (battery_guard finds a cell above its limit and a cold pack on a simulated JK), then with
no daemon from the database, then across a restart (open alerts reloaded: the same episodes go on); a pack that
stops answering is lost (and back), and a write to it fails: both alerts from the daemon's own checks."""

from __future__ import annotations

import asyncio
import json
import os
import time

from tests.api.rig import ask, running_site, solarctl

GUARD = {"name": "battery_guard", "batteries": ["bms1"], "interval": 0.5, "cell_high_v": 3.0,  # the plant's cells: ~3.3 V
         "temperature_low_c": 40.0, "temperature_high_c": 60.0,  # and ~25 °C
         "actions": {"cell_high": {"setting": "charge_enabled", "value": "off", "restore": "on"}}}


async def alerts(config: str, *args: str) -> list[dict]:
    code, out, err = await solarctl("alerts", "--config", config, "--json", *args)
    assert code == 0, err
    return json.loads(out)


async def audit(config: str, *args: str) -> list[dict]:
    code, out, err = await solarctl("audit", "--config", config, "--json", *args)
    assert code == 0, err
    return json.loads(out)


async def test_alerts_and_audit_with_and_without_a_daemon(tmp_path):
    since = time.time()
    async with running_site(tmp_path, 0.5, strategy=[GUARD], alerts={"device_lost_s": 3.0, "health_interval": 0.5}) as rig:
        config = str(rig.config_path)
        try:
            async with asyncio.timeout(20):
                while len((await ask(rig.data_dir, "alerts", active=True))["alerts"]) < 2:  # waits over the API: quicker
                    await asyncio.sleep(0.3)
        except TimeoutError:
            raise AssertionError((tmp_path / "daemon.log").read_text()[-3000:]) from None
        found = await alerts(config, "--active")
        by_kind = {a["kind"]: a for a in found}
        assert set(by_kind) == {"cell_high", "temperature_low"} and {a["state"] for a in found} == {"active"}
        assert by_kind["cell_high"]["device"] == "bms1" and by_kind["cell_high"]["severity"] == "critical"
        cell_high, cold = by_kind["cell_high"]["id"], by_kind["temperature_low"]["id"]

        code, out, err = await solarctl("alerts", "ack", str(cell_high), "--config", config)
        assert code == 0 and f"alert {cell_high} (cell_high) is acknowledged" in out, err
        code, out, err = await solarctl("alerts", "ack", "999", "--config", config)
        assert code == 1 and "no open alert has id 999" in err
        code, out, err = await solarctl("set", "--config", config, "inverter.grid_connection", "off-grid")
        assert code == 0, err
        rows = await audit(config, "--since", str(since))
        assert {(r["source"], r["device"], r["setting"], r["outcome"]) for r in rows} == {
            ("strategy:battery_guard", "bms1", "charge_enabled", "written"),  # the protective action
            (f"cli:uid={os.getuid()}", "inverter", "grid_connection", "written")}
        assert sum(r["outcome"] == "written" and r["device"] == "bms1" for r in rows) == 1  # once per episode
        counted = {a["id"]: a["count"] for a in await alerts(config)}

        # No daemon: the same from the database (the store wrote what it had at stop).
        await rig.stop_daemon()
        stored = {a["id"]: a for a in await alerts(config)}
        assert stored[cell_high]["state"] == "acknowledged" and stored[cold]["state"] == "active"
        code, out, err = await solarctl("alerts", "ack", str(cold), "--config", config)
        assert code == 0 and "is acknowledged" in out, err
        local_since = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since - 1))
        from_db = await audit(config, "--since", local_since, "--device", "bms1")
        assert [(r["source"], r["setting"], r["requested"], r["before"], r["after"]) for r in from_db] == [
            ("strategy:battery_guard", "charge_enabled", "off", "on", "off")]

        # A restart reloads the open alerts: the same episodes go on (acknowledged, counting on), no new ids.
        await rig.start_daemon()
        await asyncio.sleep(1.5)
        again = await alerts(config, "--active")
        assert sorted(a["id"] for a in again) == sorted([cell_high, cold])
        assert all(a["state"] == "acknowledged" and a["count"] > counted[a["id"]] for a in again)

        rig.site.faults("bms1").silent = True
        code, out, err = await solarctl("set", "--config", config, "bms1.balancer_enabled", "off")
        assert code == 1 and "FAILED" in err
        async with asyncio.timeout(20):
            while not {"device_lost", "write_failed"} <= {a["kind"] for a in (await ask(rig.data_dir, "alerts", active=True))["alerts"]}:
                await asyncio.sleep(0.3)
        rig.site.faults("bms1").silent = False
        async with asyncio.timeout(20):
            while "device_lost" in {a["kind"] for a in (await ask(rig.data_dir, "alerts", active=True))["alerts"]}:
                await asyncio.sleep(0.3)
        lost = [a for a in await alerts(config) if a["kind"] == "device_lost"]
        assert [(a["device"], a["state"]) for a in lost] == [("bms1", "cleared")]
