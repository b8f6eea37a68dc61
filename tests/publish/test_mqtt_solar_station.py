"""The Solar-Station site over MQTT (issue 12): the PV1800's on-grid switch and a JK pack's charge switch appear
in Home Assistant as switches and work — in the old scripts the BMS switches were advertised but did nothing."""

from __future__ import annotations

import asyncio
import json

from solarctl.clock import SystemClock
from solarctl.daemon import Daemon
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite
from tests.mustjk.simulated import NIGHT, inverter, packs, site_config
from tests.publish.ha_schema import problems
from tests.publish.mosquitto import Mosquitto, Recorder
from tests.publish.test_mqtt import available, discovery


async def test_the_on_grid_and_bms_charge_switches_work_from_home_assistant(tmp_path):
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    cfg = site_config(tmp_path, [inverter(tmp_path, poll_interval=0.5), *packs(tmp_path, "55aa", units=(1,), poll_interval=0.5)],
                      mqtt={"host": "127.0.0.1", "port": broker.port,
                            "control": ["inverter.grid_connection", "bms1.charge_enabled"]})
    plant = Plant(cfg.plant, start=NIGHT)
    site = SimulatedSite(cfg, plant)
    await site.start()
    try:
        async with asyncio.timeout(40), Recorder(broker.port) as rec:
            daemon = Daemon(cfg, SystemClock())
            run = asyncio.create_task(daemon.run())
            await rec.wait_for(lambda: available(rec, "inverter", "bms1")
                               and "grid_connection" in (rec.last_json("solarctl/inverter/state") or {})
                               and "charge_enabled" in (rec.last_json("solarctl/bms1/state") or {}), timeout=25)
            configs = discovery(rec)
            switches = {t.split("/")[3]: p for t, p in configs.items() if t.startswith("homeassistant/switch/")}
            assert set(switches) == {"inverter_grid_connection", "bms1_charge_enabled"}
            assert (switches["inverter_grid_connection"]["payload_on"], switches["inverter_grid_connection"]["payload_off"]) == ("on-grid", "off-grid")
            assert not {t: f for t, p in configs.items() if (f := problems(t, p))}
            assert rec.last_json("solarctl/inverter/state")["grid_connection"] == "on-grid"

            await rec.client.publish("solarctl/inverter/grid_connection/set", b"off-grid", qos=1)
            await rec.client.publish("solarctl/bms1/charge_enabled/set", b"off", qos=1)
            await rec.wait_for(lambda: rec.on("solarctl/inverter/grid_connection/result") and rec.on("solarctl/bms1/charge_enabled/result"))
            assert rec.last_json("solarctl/inverter/grid_connection/result")["outcome"] == "written"
            assert rec.last_json("solarctl/bms1/charge_enabled/result")["outcome"] == "written"
            await rec.wait_for(lambda: rec.last_json("solarctl/inverter/state")["grid_connection"] == "off-grid"
                               and rec.last_json("solarctl/bms1/state")["charge_enabled"] == "off")
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
    finally:
        await site.stop()
        broker.stop()
    audit = [json.loads(line) for line in (tmp_path / "data" / "audit.jsonl").read_text().splitlines()]
    assert sorted((e["source"], e["device"], e["setting"], e["outcome"]) for e in audit) == [
        ("mqtt", "bms1", "charge_enabled", "written"), ("mqtt", "inverter", "grid_connection", "written")]
