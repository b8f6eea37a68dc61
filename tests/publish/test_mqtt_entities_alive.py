"""Issue 20: what keeps a Home Assistant entity without a state, against a real mosquitto. Values read only now
and then stay in the state across a failed poll; an entity is announced once its value was delivered (a JK pack
on the 0x55AA protocol is not told of 4E57 fields); a retained command is never carried out and clearing one is
not a refused command."""

from __future__ import annotations

import asyncio
import logging
import time

from solarctl.clock import SystemClock
from solarctl.daemon import Daemon
from solarctl.devices import registry
from solarctl.devices.jk.describe import JkPbConfig
from solarctl.publish.ha_discovery import delivered, device_entities
from solarctl.publish.mqtt_topics import Topics
from solarctl.sample import PollError, Sample
from tests.conftest import StaticGateway
from tests.publish.mosquitto import Recorder
from tests.publish.test_mqtt import available, broker, config, discovery, feed_sink  # noqa: F401 (broker: a fixture)

TOPICS = Topics("solarctl", "homeassistant", "solarctl")


async def test_values_read_only_at_start_stay_after_a_failed_poll(tmp_path, broker):
    async with asyncio.timeout(20), Recorder(broker.port) as rec:
        sink = feed_sink(tmp_path, broker.port, ("xw",))
        await sink.start()
        # the first poll reads every group: identity (once), settings (slow) and the live values
        sink.submit(Sample("xw", time.time(), {"firmware_version": "01.10BN0018", "maximum_sell_amps": 21.0,
                                               "grid_power": -575}))
        await rec.wait_for(lambda: rec.on("solarctl/xw/state"))
        sink.submit(PollError("xw", time.time(), "no answer"))
        await rec.wait_for(lambda: rec.on("solarctl/xw/availability")[-1:] == [b"offline"])
        sink.submit(Sample("xw", time.time(), {"grid_power": -600}))  # live values only: slow is not due yet
        await rec.wait_for(lambda: rec.last_json("solarctl/xw/state")["grid_power"] == -600)
        state = rec.last_json("solarctl/xw/state")
        assert (state["firmware_version"], state["maximum_sell_amps"]) == ("01.10BN0018", 21.0)

        # only what the device delivered is announced: no entity waits for a value that never comes
        objects = {t.split("/")[3] for t in discovery(rec)}
        assert {"xw_grid_power", "xw_maximum_sell_amps", "xw_firmware_version"} <= objects
        assert "xw_battery_voltage" not in objects
        sink.submit(Sample("xw", time.time(), {"grid_power": -610, "battery_voltage": 51.2}))
        await rec.wait_for(lambda: "homeassistant/sensor/solarctl/xw_battery_voltage/config" in discovery(rec))
        await sink.stop()

        again = feed_sink(tmp_path, broker.port, ("xw",))  # a restart: what was announced is announced from the start
        await again.start()
        before = len(rec.messages)
        await rec.wait_for(lambda: any(t == "homeassistant/sensor/solarctl/xw_battery_voltage/config"
                                       for _, t, _, _ in rec.messages[before:]))
        await again.stop()


def test_a_jk_pack_announces_only_what_its_protocol_delivers():
    jk = registry.describe("jk_pb")
    objects = {}
    for protocol in ("55aa", "modbus", "4e57"):
        cfg = JkPbConfig(name="bms1", driver="jk_pb", port="/dev/ttyBMS0", protocol=protocol)
        objects[protocol] = {e.object_id for e in device_entities(TOPICS, "bms1", delivered(jk, cfg), {}, [], 16.0)}
    assert objects["55aa"] == objects["modbus"]
    assert "bms1_protocol_version" in objects["4e57"] and "bms1_protocol_version" not in objects["55aa"]  # 4E57 only
    assert {"bms1_soc", "bms1_cell_voltages", "bms1_voltage"} <= objects["55aa"] & objects["4e57"]
    assert len(objects["55aa"]) < len(list(jk.metrics))


async def test_a_retained_command_is_never_carried_out_and_clearing_it_is_quiet(tmp_path, broker, caplog):
    caplog.set_level(logging.DEBUG, logger="solarctl.publish.mqtt")
    gateway = StaticGateway(units=(10, 201))
    async with asyncio.timeout(30), gateway as server, Recorder(broker.port) as rec:
        daemon = Daemon(config(tmp_path, server.port, broker.port), SystemClock())
        run = asyncio.create_task(daemon.run())
        await rec.wait_for(lambda: available(rec, "xw"))
        await asyncio.sleep(0.5)  # subscribed
        # published with the retain flag while solarctl listens: the broker keeps it for later subscribers
        await rec.client.publish("solarctl/xw/load_shave/set", b"Disable", qos=1, retain=True)
        await asyncio.sleep(1.0)
        assert gateway.values[10]["inverter_load_shave_status"] == "Enable"
        assert not rec.on("solarctl/xw/load_shave/result")
        await rec.client.publish("solarctl/xw/load_shave/set", b"", qos=1, retain=True)  # cleared
        await asyncio.sleep(1.0)
        assert not rec.on("solarctl/xw/load_shave/result")
        assert (rec.last_json("solarctl/alerts/active") or {"count": 0})["count"] == 0
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
    audit = tmp_path / "data" / "audit.jsonl"
    assert not audit.exists() or audit.read_text() == ""
    ignored = [r for r in caplog.records if "solarctl/xw/load_shave/set" in r.getMessage()]
    assert [r.levelno for r in ignored] == [logging.WARNING, logging.DEBUG]  # the retained one, then the clearing
