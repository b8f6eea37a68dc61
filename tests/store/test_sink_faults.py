"""Issue 19.2 for every output: a daemon polling a Conext gateway feeds InfluxDB (a real influxd behind a TCP
gate), MQTT (a real mosquitto, stopped and started), a webhook relay and Telegram (fake HTTP servers answering
500). While each is away its health says so within seconds and a `sink_down` alert is raised; once it is back
the sink is `ok`, the alert clears, the store has every polled sample once, and MQTT carries the task and sink
states on PREFIX/health."""

from __future__ import annotations

import asyncio
from pathlib import Path

from solarctl.alerts.model import Condition
from solarctl.clock import SystemClock
from solarctl.compose import build_daemon
from solarctl.config import validate_config
from solarctl.sample import Sample
from tests.conftest import StaticGateway
from tests.gate import Gate
from tests.publish.mosquitto import Mosquitto, Recorder
from tests.store.test_supervised_faults import stored, until
from tests.telegram.fake_http import FakeBotApi, FakeHttpServer, Request

SINKS = ("influx", "mqtt", "webhook:relay", "telegram")


class Relay:
    """A webhook endpoint that answers 500 while `broken`."""

    def __init__(self) -> None:
        self.broken = False
        self.received = 0

    async def route(self, request: Request) -> tuple[int, dict]:
        if self.broken:
            return 500, {"error": "relay down"}
        self.received += 1
        return 200, {"ok": True}


async def test_every_sink_shows_its_outage_alerts_and_recovers(influx, tmp_path: Path):
    broker = Mosquitto(tmp_path / "mosquitto")
    broker.start()
    relay, bot = Relay(), FakeBotApi()
    try:
        async with asyncio.timeout(60), StaticGateway(units=(10,)) as gateway, Gate(influx.port) as gate, \
                FakeHttpServer(relay.route) as relay_server, FakeHttpServer(bot.route) as bot_server:
            url = f"sqlite:///{tmp_path / 'solarctl.db'}"
            config = validate_config({
                "general": {"data_dir": str(tmp_path / "data")},
                "storage": {"url": url, "flush_interval": 0.2, "retry_interval": 0.2,
                            "influx": {"url": f"http://127.0.0.1:{gate.port}", "database": "faults", "timeout": 0.5}},
                "mqtt": {"host": "127.0.0.1", "port": broker.port, "timeout": 1},
                "webhook": [{"name": "relay", "url": relay_server.url + "/event", "timeout": 0.5}],
                "telegram": {"token": bot.token, "chat_ids": [42], "base_url": bot_server.url, "commands": False,
                             "timeout": 0.5},
                "alerts": {"health_interval": 0.2, "sink_down_s": 0.6, "release": {"evaluations": 2}},
                "device": [{"name": "xw", "driver": "conext_xw", "host": "127.0.0.1", "port": gateway.port, "unit": 10,
                            "poll_interval": 0.2, "timeout": 0.5}]})
            daemon = build_daemon(config, SystemClock()).daemon  # the bot attached as `solarctl run` attaches it
            for sink in daemon.sinks:  # quick retries and breaker trials: the test's time scale
                if hasattr(sink, "breaker"):
                    sink.breaker.backoff.initial = sink.breaker.backoff.maximum = 0.3
                    if hasattr(sink.handler, "api"):
                        sink.handler.api.pause = 0.05
            published = daemon.hub.subscribe(maxsize=100_000, name="test")
            run = asyncio.create_task(daemon.run())
            try:
                await until(lambda: all(daemon.health()[f"sink:{s}"]["state"] == "ok" for s in SINKS)
                            and daemon.store.status.written >= 3, 15, "every sink ok")
                gate.close()
                broker.stop()
                relay.broken, bot.fail_next = True, 10**9
                daemon.alerts.observe(Condition("test_alert", "xw", True, "warning", "an alert for the alert channels"))
                took = await until(lambda: all(daemon.health()[f"sink:{s}"]["state"] != "ok" for s in SINKS), 8,
                                   "every sink's health shows its outage")
                await until(lambda: {("sink_down", f"sink:{s}") for s in SINKS} <=
                            {(a.kind, a.device) for a in daemon.alerts.events(active_only=True)}, 5, "a sink_down alert each")
                down = {s: dict(daemon.health()[f"sink:{s}"]) for s in SINKS}
                gate.open = True
                broker.start()
                relay.broken, bot.fail_next = False, 0
                await until(lambda: all(daemon.health()[f"sink:{s}"]["state"] == "ok" for s in SINKS), 20, "every sink ok again")
                await until(lambda: not [a for a in daemon.alerts.events(active_only=True) if a.kind == "sink_down"], 10,
                            "the sink_down alerts cleared")
                async with Recorder(broker.port) as recorder:
                    health = await recorder.wait_for(lambda: recorder.last_json("solarctl/health"), 5)
            finally:
                run.cancel()
                await asyncio.gather(run, return_exceptions=True)
    finally:
        broker.stop()
    print(f"every sink shown not ok {took:.1f} s after its outage began; states: "
          + ", ".join(f"{s} {d['state']}" for s, d in down.items()))
    assert took < 5.0
    assert all(d["last_error"] for d in down.values()), down
    cleared = {(e.kind, e.device) for e in daemon.alerts.events() if e.state == "cleared"}
    assert {("sink_down", f"sink:{s}") for s in SINKS} <= cleared
    assert health["sink:store"] == "ok" and health["sink:influx"] == "ok" and health["task:store database"] == "ok"
    assert any("an alert for the alert channels" in text for text in bot.to(42)) and relay.received >= 1
    samples = sum(1 for _ in range(published.queue.qsize()) if isinstance(published.queue.get_nowait(), Sample))
    count, distinct = stored(url)
    assert count == distinct == samples
