"""One device state, one status, one wording, in every front end: the control API's `read` JSON, MQTT (a real
mosquitto), the web page's live data (`/api/latest` of the real app) and Telegram's /status text all say fresh,
stale, failed or never for the same four devices, with the same reason, because all of them ask the read model
(solarctl/read_model.py). The daemon is assembled as `solarctl run` assembles it (`build_daemon`), on a virtual
clock; the devices' polls are published to its hub as its pollers would publish them."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from solarctl.api.ops import DaemonOps
from solarctl.api.server import Caller
from solarctl.clock import VirtualClock
from solarctl.compose import build_daemon
from solarctl.config import validate_config
from solarctl.read_model import NOT_POLLED
from solarctl.sample import PollError, Sample
from solarctl.telegram.texts import status_text
from solarctl.web.app import create_app
from tests.publish.mosquitto import Mosquitto, Recorder

DEVICES = ("fresh", "stale", "failed", "never")  # each device is named after the state it is put in
REASONS = {"fresh": None, "stale": "its latest values are 20 s old (stale after 16 s)", "failed": "timeout after 1 s",
           "never": NOT_POLLED}


@pytest.fixture
def broker(tmp_path):
    server = Mosquitto(tmp_path / "broker")
    server.start()
    yield server
    server.stop()


async def test_the_same_state_shows_the_same_status_in_every_front_end(tmp_path, broker):
    clock = VirtualClock()
    config = validate_config({
        "general": {"data_dir": str(tmp_path / "data")},
        "mqtt": {"host": "127.0.0.1", "port": broker.port, "timeout": 2},
        "web": {"port": 8780},  # the app only: nothing binds in this test
        "device": [{"name": name, "driver": "conext_mppt", "host": "127.0.0.1", "port": 1, "unit": 30 + i,
                    "poll_interval": 5, "timeout": 1} for i, name in enumerate(DEVICES)]})
    daemon = build_daemon(config, clock).daemon
    front = daemon.facade
    [mqtt] = [sink for sink in daemon.sinks if sink.name == "mqtt"]
    now = clock.time()
    async with asyncio.timeout(30), Recorder(broker.port) as broker_view:
        await mqtt.start()
        daemon.hub.attach(mqtt)
        try:
            daemon.hub.publish(Sample("fresh", now - 2, {"dc_input_power": 512.0}, {"dc_input_power": "W"}))
            daemon.hub.publish(Sample("stale", now - 20, {"dc_input_power": 300.0}, {"dc_input_power": "W"}))
            daemon.hub.publish(Sample("failed", now - 4, {"dc_input_power": 100.0}, {"dc_input_power": "W"}))
            daemon.hub.publish(PollError("failed", now - 1, "timeout after 1 s"))
            published = await broker_view.wait_for(lambda: all(
                broker_view.on(f"solarctl/{name}/status") and broker_view.on(f"solarctl/{name}/availability")
                for name in DEVICES) and broker_view)
            # before the sink's stop says every device offline and clears its retained status
            availability = {name: published.on(f"solarctl/{name}/availability")[-1] for name in DEVICES}
            mqtt_statuses = {name: published.last_json(f"solarctl/{name}/status") for name in DEVICES}
        finally:
            daemon.hub.detach(mqtt)
            await mqtt.stop()
        cleared = await broker_view.wait_for(lambda: all(broker_view.on(f"solarctl/{name}/status")[-1] == b""
                                                         for name in DEVICES))

        read = await DaemonOps(front, None).read({"op": "read"}, Caller(pid=1, uid=0))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app(front)), base_url="http://page") as page:
            latest = (await page.get("/api/latest")).json()
        telegram = dict(line.split(": ", 1) for line in status_text(front).splitlines())

    for name in DEVICES:
        mqtt_status = mqtt_statuses[name]
        assert read["status"][name] == mqtt_status["status"] == latest["devices"][name]["status"] == name
        assert telegram[name].split(" — ")[0] == name  # the word first, as everywhere
        reason = REASONS[name]
        assert read["errors"].get(name) == mqtt_status["reason"] == latest["devices"][name]["error"] == reason
        assert latest["devices"][name]["stale"] is (name != "fresh")
        assert availability[name] == (b"online" if name == "fresh" else b"offline")
        if reason is not None:
            assert telegram[name] == f"{name} — {reason}"
    assert read["devices"] == {"fresh": {"dc_input_power": 512.0}}  # only current values are passed on as values
    assert json.loads(published.on("solarctl/fresh/state")[-1])["dc_input_power"] == 512.0
    assert not published.on("solarctl/stale/state") and not published.on("solarctl/failed/state")
    assert telegram["fresh"].startswith("fresh — dc_input_power 512 W")
    assert cleared  # a stopped daemon leaves no status behind that a reader could take as current
