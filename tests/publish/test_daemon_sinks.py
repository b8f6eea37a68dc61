"""Issue 9's must-show for sinks: a daemon polling a Conext gateway at 0.25 s with three sinks — the SQL store,
one whose delivery hangs forever and one that raises on every batch. Polling keeps its rate, the store keeps
every sample, and the broken sinks' states are in Daemon.sink_health()."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys

from sqlalchemy import create_engine, text

from solarctl.api.server import ControlServer
from solarctl.clock import SystemClock
from solarctl.compose import build_daemon
from solarctl.config import validate_config
from solarctl.daemon import Daemon
from solarctl.publish.runner import SinkRunner
from solarctl.sample import Sample
from tests.conftest import StaticGateway

INTERVAL = 0.25
RUN_S = 4.0
DEVICES = [("xw", "conext_xw", 10, "conext_xw"), ("west", "conext_mppt", 30, "conext_mppt"), ("combox", "conext_combox", 201, "sample")]


class Hangs:
    async def open(self) -> None:
        pass

    async def deliver(self, events) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        pass


class Raises(Hangs):
    async def deliver(self, events) -> None:
        raise RuntimeError("this sink is broken")


def rows(url: str, table: str, device: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"select count(*) from {table} where device = :d"), {"d": device}).scalar()
    finally:
        engine.dispose()


async def test_hung_and_raising_sinks_cost_neither_polling_nor_the_store(tmp_path):
    async with asyncio.timeout(30), StaticGateway(units=(10, 30, 201)) as server:
        config = validate_config({"general": {"data_dir": str(tmp_path)}, "device": [
            {"name": n, "driver": d, "host": "127.0.0.1", "port": server.port, "unit": u, "poll_interval": INTERVAL,
             "timeout": 0.5} for n, d, u, _ in DEVICES]})
        api = ControlServer(tmp_path)  # as `solarctl run` serves it, so `solarctl read` asks this daemon
        api.claim()
        daemon = build_daemon(config, SystemClock(), api=api).daemon
        daemon.sinks += [SinkRunner("hangs", Hangs(), queue_limit=20, call_timeout=0.3),
                         SinkRunner("raises", Raises(), queue_limit=20)]
        published = daemon.hub.subscribe(maxsize=100_000, name="test")
        run = asyncio.create_task(daemon.run())
        await asyncio.sleep(RUN_S)
        health = daemon.sink_health()
        read = await read_json(tmp_path, server.port)
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        api.release()

    events = [published.queue.get_nowait() for _ in range(published.queue.qsize())]
    for name, _, _, table in DEVICES:
        times = [e.timestamp for e in events if isinstance(e, Sample) and e.device == name]
        assert len(times) >= 0.8 * RUN_S / INTERVAL, (name, len(times))  # ~16 at the configured rate
        assert 0.2 <= statistics.median(b - a for a, b in zip(times, times[1:])) <= 0.4, name
        assert rows(daemon.store.url, table, name) == len(times), name  # every sample stored, once

    assert json.loads(json.dumps(health)) == health  # ready for `read --json`
    store, hangs, raises = health["store"], health["hangs"], health["raises"]
    assert store["state"] == "ok" and store["dropped"] == 0 and store["last_error"] is None
    assert hangs["state"] in ("open", "trial") and hangs["delivered"] == 0 and hangs["dropped"] > 0
    assert hangs["last_error"] == "a delivery took longer than 0.3 s"
    assert raises["state"] in ("open", "trial") and raises["failures"] >= 3 and raises["dropped"] > 0
    assert raises["last_error"] == "RuntimeError: this sink is broken"
    assert hangs["queued"] == raises["queued"] == 20  # bounded: the newest wait, the oldest were dropped and counted
    # `solarctl read --json` shows the same states under health, beside the devices
    assert read["health"]["sink:store"]["state"] == "ok"
    assert read["health"]["sink:hangs"]["state"] in ("open", "trial") and read["health"]["sink:hangs"]["dropped"] > 0
    assert read["health"]["sink:raises"]["last_error"] == "RuntimeError: this sink is broken"
    assert read["health"]["xw"]["good_polls"] > 0 and set(read["devices"]) == {"xw", "west", "combox"}


async def read_json(data_dir, port: int) -> dict:
    """`solarctl read --json` as a user runs it, on a config naming the same data dir and gateway."""
    devices = "".join(f'[[device]]\nname = "{n}"\ndriver = "{d}"\nhost = "127.0.0.1"\nport = {port}\nunit = {u}\n'
                      for n, d, u, _ in DEVICES)
    path = data_dir / "solarctl.toml"
    path.write_text(f'[general]\ndata_dir = "{data_dir}"\n' + devices)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", "read", "--config", str(path), "--json",
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


def test_storage_influx_makes_a_sink_of_its_own(tmp_path):
    config = validate_config({"general": {"data_dir": str(tmp_path)}, "device": [{"name": "xw", "driver": "conext_xw", "host": "h"}],
                              "storage": {"influx": {"url": "http://127.0.0.1:9"}}})
    health = Daemon(config, SystemClock()).sink_health()
    assert list(health) == ["store", "influx"]
    assert {h["state"] for h in health.values()} == {"stopped"}  # nothing runs before Daemon.run()
