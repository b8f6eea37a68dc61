"""Issue 12's MQTT must-show, against a real mosquitto: Home Assistant discovery payloads that HA's rules
accept, state updates, commands that pass and that are refused (both audited), a broker restart mid-run with
no stale state published and every entity back afterwards, removed devices removed from HA, alerts."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time

import pytest

from solarctl.alerts.model import AlertEvent
from solarctl.clock import SystemClock
from solarctl.config import validate_config
from solarctl.daemon import Daemon
from solarctl.devices import registry
from solarctl.publish.mqtt import mqtt_sink
from solarctl.publish.mqtt_config import MqttConfig
from solarctl.sample import PollError, Sample
from tests.conftest import StaticGateway
from tests.publish.ha_schema import problems
from tests.publish.mosquitto import Mosquitto, Recorder

INTERVAL, TIMEOUT = 0.25, 0.5
MAX_AGE = 3 * INTERVAL + TIMEOUT  # values older than this are stale (solarctl.read_model.stale_after)
DEVICES = {"xw": ("conext_xw", 10), "combox": ("conext_combox", 201)}
CONTROL = ["xw.load_shave", "xw.low_battery_cut_out"]


@pytest.fixture
def broker(tmp_path):
    server = Mosquitto(tmp_path / "broker")
    server.start()
    yield server
    server.stop()


def config(tmp_path, gateway_port: int, broker_port: int):
    return validate_config({
        "general": {"data_dir": str(tmp_path / "data")},
        "device": [{"name": n, "driver": d, "host": "127.0.0.1", "port": gateway_port, "unit": u,
                    "poll_interval": INTERVAL, "slow_interval": 1.0, "timeout": TIMEOUT} for n, (d, u) in DEVICES.items()],
        "mqtt": {"host": "127.0.0.1", "port": broker_port, "control": CONTROL, "timeout": 2.0}})


def discovery(rec: Recorder) -> dict[str, dict]:
    """The discovery configs on the broker now (an empty payload removes one)."""
    found: dict[str, dict] = {}
    for _, topic, payload, _ in rec.messages:
        if topic.startswith("homeassistant/"):
            if payload:
                found[topic] = json.loads(payload)
            else:
                found.pop(topic, None)
    return found


def available(rec: Recorder, *devices: str) -> bool:
    return (rec.on("solarctl/status")[-1:] == [b"online"]
            and all(rec.on(f"solarctl/{d}/availability")[-1:] == [b"online"] for d in devices))


def assert_no_stale_state(rec: Recorder) -> None:
    """Every state message carried values read at most MAX_AGE before it arrived."""
    for arrived, topic, payload, _ in rec.messages:
        if topic.endswith("/state"):
            assert arrived - json.loads(payload)["timestamp"] <= MAX_AGE + 0.5, (topic, arrived)


def expected_sensors(rec: Recorder) -> set[str]:
    """An entity for every metric each device delivered (none for one it never sends)."""
    return {f"{d}_{name}" for d, (driver, _) in DEVICES.items()
            for name, value in rec.last_json(f"solarctl/{d}/state").items()
            if value is not None and name in registry.describe(driver).metrics}


async def test_discovery_states_and_commands_through_the_safe_writer(tmp_path, broker, caplog):
    caplog.set_level(logging.WARNING, logger="solarctl.publish.mqtt")  # whatever level earlier tests left
    gateway = StaticGateway(units=(10, 201))
    async with asyncio.timeout(40), gateway as server, Recorder(broker.port) as rec:
        # a retained command left on the broker from earlier: carried out on every reconnection, it could undo
        # later changes, so it is ignored (the audit below has no entry for it)
        await rec.client.publish("solarctl/xw/low_battery_cut_out/set", b"46", qos=1, retain=True)
        daemon = Daemon(config(tmp_path, server.port, broker.port), SystemClock())
        run = asyncio.create_task(daemon.run())
        await rec.wait_for(lambda: available(rec, *DEVICES) and rec.on("solarctl/xw/state")
                           and "firmware_version" in (rec.last_json("solarctl/xw/state") or {}))
        await asyncio.sleep(0.5)  # the re-announcement with the firmware read
        configs = discovery(rec)

        bad = {topic: found for topic, payload in configs.items() if (found := problems(topic, payload))}
        assert not bad, bad
        by_object = {topic.split("/")[3]: (topic.split("/")[1], payload) for topic, payload in configs.items()}
        assert len(expected_sensors(rec)) > 40 and expected_sensors(rec) <= set(by_object)  # every metric delivered
        unique_ids = [payload["unique_id"] for payload in configs.values()]
        assert len(unique_ids) == len(set(unique_ids))
        assert by_object["xw_load_shave"][0] == "switch" and by_object["xw_load_shave"][1]["payload_on"] == "Enable"
        assert by_object["xw_low_battery_cut_out"][0] == "number"
        assert (by_object["xw_low_battery_cut_out"][1]["min"], by_object["xw_low_battery_cut_out"][1]["max"]) == (45, 49)
        assert "xw_grid_support" not in by_object  # not opened to MQTT control
        xw_device = by_object["xw_grid_power"][1]["device"]
        assert xw_device["sw_version"] == "01.10BN0018" and xw_device["manufacturer"] == "Schneider Electric"
        power = by_object["xw_grid_power"][1]
        assert (power["device_class"], power["unit_of_measurement"], power["state_class"]) == ("power", "W", "measurement")
        assert {"alert", "alerts_active"} <= set(by_object)
        state = rec.last_json("solarctl/xw/state")
        assert state["grid_power"] == -575 and state["battery_voltage"] == pytest.approx(51.234)  # SI, export negative
        states_before = len(rec.on("solarctl/xw/state"))
        await rec.wait_for(lambda: len(rec.on("solarctl/xw/state")) >= states_before + 3)  # updates keep coming

        await rec.client.publish("solarctl/xw/load_shave/set", b"Disable", qos=1)
        await rec.client.publish("solarctl/xw/low_battery_cut_out/set", b"60", qos=1)
        await rec.client.publish("solarctl/xw/grid_support/set", b"Enable", qos=1)
        results = {s: f"solarctl/xw/{s}/result" for s in ("load_shave", "low_battery_cut_out", "grid_support")}
        await rec.wait_for(lambda: all(rec.on(t) for t in results.values()))
        outcome = {s: rec.last_json(t) for s, t in results.items()}
        assert outcome["load_shave"]["outcome"] == "written" and outcome["load_shave"]["after"] == "Disable"
        assert gateway.values[10]["inverter_load_shave_status"] == "Disable"
        assert outcome["low_battery_cut_out"]["outcome"] == "rejected" and "outside the valid range" in outcome["low_battery_cut_out"]["reason"]
        assert outcome["grid_support"]["outcome"] == "rejected" and "[mqtt] control" in outcome["grid_support"]["reason"]
        assert gateway.values[10]["inverter_grid_support_status"] == "Disable"  # untouched
        assert gateway.values[10]["battery_low_voltage"] == 45.5  # the retained command was not carried out
        assert "ignored a retained command on solarctl/xw/low_battery_cut_out/set" in caplog.text
        await rec.wait_for(lambda: rec.last_json("solarctl/xw/state")["inverter_load_shave_status"] == "Disable")

        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        await asyncio.sleep(0.2)

    audit = [json.loads(line) for line in (tmp_path / "data" / "audit.jsonl").read_text().splitlines()]
    assert sorted((e["source"], e["setting"], e["outcome"]) for e in audit) == [  # each command ran on its own
        ("mqtt", "grid_support", "rejected"), ("mqtt", "load_shave", "written"), ("mqtt", "low_battery_cut_out", "rejected")]
    # a clean stop says offline (solarctl and each device) instead of leaving it to the last will
    assert rec.on("solarctl/status")[-1] == b"offline"
    assert all(rec.on(f"solarctl/{d}/availability")[-1] == b"offline" for d in DEVICES)
    assert_no_stale_state(rec)


async def test_a_broker_restart_publishes_no_stale_state_and_every_entity_comes_back(tmp_path, broker):
    gateway = StaticGateway(units=(10, 201))
    async with asyncio.timeout(50):
        await gateway.server.start()
        port = gateway.server.port
        daemon = Daemon(config(tmp_path, port, broker.port), SystemClock())
        run = asyncio.create_task(daemon.run())
        async with Recorder(broker.port) as before:
            await before.wait_for(lambda: available(before, *DEVICES) and len(before.on("solarctl/combox/state")) >= 2)
            await asyncio.sleep(0.5)
            announced = set(discovery(before))
        broker.stop()  # the broker goes, and while it is away so do the devices: their values go stale
        await gateway.server.stop()
        await asyncio.sleep(MAX_AGE + 0.5)
        broker.start()  # no persistence: every retained message is gone
        async with Recorder(broker.port) as during:
            await during.wait_for(lambda: during.on("solarctl/status")[-1:] == [b"online"]
                                  and all(during.on(f"solarctl/{d}/availability")[-1:] == [b"offline"] for d in DEVICES),
                                  timeout=15)
            await asyncio.sleep(0.5)
            assert not [t for _, t, _, _ in during.messages if t.endswith("/state")]  # nothing stale said as current
            gateway.server = StaticGateway(units=(10, 201), port=port).server
            await gateway.server.start()
            await during.wait_for(lambda: available(during, *DEVICES) and during.on("solarctl/xw/state")
                                  and during.on("solarctl/combox/state"), timeout=20)
            await asyncio.sleep(0.5)
            assert set(discovery(during)) == announced  # every entity announced again ...
            xw_devices = [json.loads(p)["device"] for _, t, p, _ in during.messages if "/xw_" in t and t.endswith("/config")]
            assert {d.get("sw_version") for d in xw_devices} == {"01.10BN0018"}  # identity kept across the outage
            assert daemon.sink_health()["mqtt"]["state"] == "ok"
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
        await gateway.server.stop()
    assert_no_stale_state(during)  # ... and available again, with fresh values


def feed_sink(tmp_path, broker_port: int, devices: tuple[str, ...], **auth):
    drivers = {d: registry.describe(DEVICES[d][0]) for d in devices}
    cfg = MqttConfig(host="127.0.0.1", port=broker_port, timeout=2.0, **auth)
    return mqtt_sink(cfg, dict.fromkeys(devices), drivers, dict.fromkeys(devices, MAX_AGE), None, SystemClock(),
                     tmp_path / "data")


async def test_removed_devices_leave_home_assistant_and_alerts_are_published(tmp_path):
    """Over TLS (the broker's own CA) with a username and a password file, as [mqtt] allows."""
    broker = Mosquitto(tmp_path / "broker", users={"solar": "pw with spaces"}, tls=True)
    broker.start()
    (tmp_path / "mqtt.pw").write_text("pw with spaces\n")
    auth = {"username": "solar", "password_file": tmp_path / "mqtt.pw", "tls": True, "ca_file": broker.cert}
    tls = ssl.create_default_context(cafile=str(broker.cert))
    try:
        async with asyncio.timeout(20), Recorder(broker.port, username="solar", password="pw with spaces",
                                                 tls_context=tls) as rec:
            first = feed_sink(tmp_path, broker.port, ("xw", "combox"), **auth)
            await first.start()
            first.submit(Sample("combox", time.time(), {"battery_soc": 76}))
            first.submit(PollError("xw", time.time(), "no answer"))
            await rec.wait_for(lambda: "homeassistant/sensor/solarctl/combox_battery_soc/config" in discovery(rec)
                               and rec.on("solarctl/combox/availability")[-1:] == [b"online"]
                               and rec.on("solarctl/xw/availability")[-1:] == [b"offline"])
            assert not rec.on("solarctl/xw/state")  # a device whose poll failed has no state, only "offline"
            await first.stop()
            combox_topics = {t for t in discovery(rec) if "/combox_" in t}

            second = feed_sink(tmp_path, broker.port, ("xw",), **auth)  # combox left the config
            await second.start()
            await rec.wait_for(lambda: not any("/combox_" in t for t in discovery(rec)))
            assert {t for _, t, p, retained in rec.messages if p == b"" and not t.endswith("/status")} == combox_topics

            opened = AlertEvent(7, "cell_low", "critical", "combox", "cell 3 at 2.71 V", {"cell": 3}, 100.0, 100.0, 1, "active")
            second.submit(opened)
            await rec.wait_for(lambda: (rec.last_json("solarctl/alerts/active") or {}).get("count") == 1)
            event = rec.last_json("solarctl/alerts/event")
            assert (event["event_type"], event["id"], event["message"]) == ("active", 7, "cell 3 at 2.71 V")
            second.submit(AlertEvent(**{**opened.__dict__, "state": "cleared", "cleared_at": 160.0}))
            await rec.wait_for(lambda: rec.last_json("solarctl/alerts/active")["count"] == 0)
            assert rec.last_json("solarctl/alerts/event")["event_type"] == "cleared"
            await second.stop()

            untrusting = feed_sink(tmp_path, broker.port, ("xw",), username="solar", password_file=tmp_path / "mqtt.pw",
                                   tls=True)  # the system CAs do not know the broker's certificate
            await untrusting.start()
            await rec.wait_for(lambda: untrusting.failures >= 1)
            assert "certificate verify failed" in untrusting.last_error.lower()
            assert untrusting.status().state == "disconnected"
            await untrusting.stop()
    finally:
        broker.stop()
