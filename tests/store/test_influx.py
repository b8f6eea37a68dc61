"""The optional InfluxDB sink: line protocol, and real writes to influxd 1.x beside the SQL store."""

from __future__ import annotations

import asyncio

import httpx

from solarctl.config import validate_config
from solarctl.hub import StateHub
from solarctl.publish.influx import influx_sink, line_protocol
from solarctl.publish.store_sink import StoreSink
from solarctl.sample import PollError, Sample
from solarctl.store.config import InfluxConfig
from solarctl.store.store import SampleStore

T0 = 1_717_200_000.0


def test_line_protocol_escaping_and_types():
    s = Sample("west roof,1", T0 + 0.25, {"dc_output_power": 1500, "mppt_status": 'Bulk "fast"', "on": True, "cells": [1, 2],
                                           "bad": float("nan"), "modules": [{"index": 2, "soc": 51}]})
    main, module = line_protocol(s, "conext_mppt")
    assert main == 'conext_mppt,device=west\\ roof\\,1 dc_output_power=1500.0,mppt_status="Bulk \\"fast\\"",on=true 1717200000250'
    assert module == "conext_mppt,device=west\\ roof\\,1,module=2 soc=51.0 1717200000250"
    assert line_protocol(Sample("x", T0, {"only": [1]}), None) == []


def query(url: str, q: str) -> list:
    body = httpx.get(f"{url}/query", params={"db": "solar", "q": q}, timeout=10).json()
    series = body["results"][0].get("series", [])
    return series[0]["values"] if series else []


async def test_store_copies_samples_to_influxdb(influx, tmp_path):
    cfg = validate_config({"general": {"data_dir": str(tmp_path)}, "device": [{"name": "xw", "driver": "conext_xw", "host": "h"}],
                           "storage": {"influx": {"url": influx.url, "database": "solar"}}})
    store = SampleStore(cfg)
    sink = influx_sink(cfg.storage.influx, {"xw": "conext_xw"})
    hub = StateHub()
    for peer in (StoreSink(store), sink):
        await peer.start()
        hub.attach(peer)
    for i in range(50):
        hub.publish(Sample("xw", T0 + i, {"grid_power": float(i), "inverter_status": "Invert"}))
    hub.publish(PollError("xw", T0 + 60, "timeout"))  # not a measurement
    assert await store.flush(30)
    await store.stop()
    await sink.stop()  # sends what is queued
    assert sink.handler.written == 50 and sink.status().dropped == 0
    assert query(influx.url, "SELECT count(grid_power), sum(grid_power) FROM conext_xw")[0][1:] == [50, sum(range(50))]
    assert query(influx.url, "SELECT inverter_status FROM conext_xw WHERE device='xw' LIMIT 1")[0][1] == "Invert"


async def test_dead_influxdb_never_blocks_and_bounds_its_queue(closed_port):
    sink = influx_sink(InfluxConfig(url=f"http://127.0.0.1:{closed_port}", database="x", timeout=0.5), {}, queue_limit=100,
                       batch_interval=0.05)
    await sink.start()
    for i in range(300):
        sink.submit(Sample("xw", T0 + i, {"p": 1.0}))
    await asyncio.sleep(0.3)
    status = sink.status()
    assert status.queued == 100 and status.dropped == 200 and sink.handler.written == 0
    await sink.stop(timeout=0.5)
