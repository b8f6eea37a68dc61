"""SampleStore end to end: every engine, duplicates, hub, outage + restart back-fill, submit never blocking."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from sqlalchemy import func, select

from solarctl.config import validate_config
from solarctl.hub import StateHub
from solarctl.publish.store_sink import StoreSink
from solarctl.sample import PollError, Sample
from solarctl.store import schema
from solarctl.store.engine import make_engine
from solarctl.store.store import SampleStore

T0 = 1_717_200_000.0  # 2024-06-01 00:00 UTC

DEVICES = [
    {"name": "xw", "driver": "conext_xw", "host": "192.0.2.1"},
    {"name": "west", "driver": "conext_mppt", "host": "192.0.2.1", "unit": 30},
    {"name": "east", "driver": "conext_mppt", "host": "192.0.2.1", "unit": 31},
    {"name": "stack", "driver": "pylontech_console", "port": "/dev/ttyUSB0"},
    {"name": "pv1800", "driver": "must_pv1800", "port": "/dev/ttyUSB1"},
    {"name": "jk", "driver": "jk_pb", "port": "/dev/ttyUSB2"},
]


def config(tmp_path, url: str = "", **storage):
    return validate_config({"general": {"data_dir": str(tmp_path / "data")}, "device": DEVICES,
                            "storage": {"url": url, "flush_interval": 0.2, "retry_interval": 0.5, **storage}})


def plant_samples(i: int) -> list[Sample]:
    """One poll of every device at T0 + 10 i (deterministic values)."""
    t = T0 + 10 * i
    pv = 1000.0 + i
    return [
        Sample("xw", t, {"device_name": "XW+ 8548", "grid_power": 200.0 - i, "load_power": 800.0, "inverter_status": "Invert",
                         "battery_power": -300.0, "some_new_metric": 42}),
        Sample("west", t, {"device_name": "MPPT: West", "dc_output_power": pv, "mppt_status": "Absorption Exit Pending"}),
        Sample("east", t, {"device_name": "MPPT: West", "dc_output_power": pv / 2}),  # same reported name: no collision
        Sample("stack", t, {"soc": 60.0, "power": -250.0, "modules": [
            {"index": m, "soc": 60.0, "voltage": 49.5, "current": -2.5, "temperature": 25.0, "base_state": "Dischg",
             "voltage_state": "Normal", "current_state": "Normal", "temperature_state": "Normal",
             "cell_voltages": [3.3] * 15} for m in (1, 2)]}),
        Sample("pv1800", t, {"battery_voltage": 52.1, "pv_power": 300.0, "on_grid": True, "work_state": "Grid-Tie",
                             "energy_pv_total": 1234.5}),
        Sample("jk", t, {"soc": 80.0, "voltage": 53.2, "current": 5.0, "power": 266.0, "cell_voltages": [3.33] * 16,
                         "charge_mosfet": True, "discharge_mosfet": False, "cycles": 12}, alarms=("cell overvoltage",)),
    ]


EXPECTED = {  # rows per poll of plant_samples
    "sample": 6, "conext_xw": 1, "conext_mppt": 2, "pylontech_bms": 2, "must_pv1800": 1, "jk_pack": 1, "battery_cell": 2 * 15 + 16,
}


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = {name: conn.execute(select(func.count()).select_from(schema.metadata.tables[name])).scalar() for name in EXPECTED}
    engine.dispose()
    return out


def snapshot(url: str, table) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = sorted(tuple(r) for r in conn.execute(select(table)))
    engine.dispose()
    return rows


async def test_every_table_filled_once_even_when_delivered_twice(db_url, tmp_path):
    store = SampleStore(config(tmp_path, db_url))
    await store.start()
    polls = 20
    for i in range(polls):
        for s in plant_samples(i):
            store.submit(s)
    assert await store.flush(60)
    first = {t: snapshot(db_url, schema.metadata.tables[t]) for t in ("rollup_1m", "rollup_1h", "energy_daily")}
    for i in range(polls):  # the same polls again, e.g. replayed after a crash
        for s in plant_samples(i):
            store.submit(s)
    assert await store.flush(60)
    await store.stop()
    assert counts(db_url) == {t: n * polls for t, n in EXPECTED.items()}
    for table, rows in first.items():
        assert snapshot(db_url, schema.metadata.tables[table]) == rows, f"{table} changed on re-delivery"
    engine = make_engine(db_url)
    with engine.connect() as conn:
        data = json.loads(conn.execute(select(schema.sample.c.data).where(schema.sample.c.device == "xw").limit(1)).scalar())
        names = sorted(conn.execute(select(schema.conext_mppt.c.device, schema.conext_mppt.c.device_name).distinct()).all())
        alarms = conn.execute(select(schema.jk_pack.c.alarms)).scalars().first()
    engine.dispose()
    assert data["some_new_metric"] == 42  # unknown metrics are kept
    assert names == [("east", "MPPT: West"), ("west", "MPPT: West")]
    assert alarms == "cell overvoltage"


async def test_hub_events_and_device_health(tmp_path):
    cfg = config(tmp_path)
    store = SampleStore(cfg)
    await store.start()
    hub = StateHub()
    hub.attach(StoreSink(store))
    await asyncio.sleep(0)
    hub.publish(Sample("xw", T0, {"grid_power": 1.0}))
    hub.publish(PollError("xw", T0 + 5, "no answer from unit 10 within 2 s"))
    hub.publish(PollError("xw", T0 + 10, "no answer from unit 10 within 2 s"))
    hub.publish(Sample("xw", T0 + 15, {"grid_power": 2.0}))
    hub.publish(Sample("xw", T0 + 20, {"grid_power": 3.0}))
    await asyncio.sleep(0.05)
    assert await store.flush(30)
    await store.stop()
    rows = snapshot(store.url, schema.device_health)
    assert [(r[2], r[3]) for r in rows] == [(False, "no answer from unit 10 within 2 s")] * 2 + [(True, None)]
    assert len(snapshot(store.url, schema.conext_xw)) == 3


async def test_outage_spools_survives_restart_and_backfills(mariadb_factory, tmp_path, caplog):
    server = mariadb_factory()
    url = server.new_database()
    cfg = config(tmp_path, url)
    store = SampleStore(cfg)
    await store.start()
    for i in range(10):
        for s in plant_samples(i):
            store.submit(s)
    assert await store.flush(30)
    server.stop()
    with caplog.at_level(logging.ERROR):
        for i in range(10, 40):
            for s in plant_samples(i):
                store.submit(s)
        assert not await store.flush(3)  # the database is away: it stays spooled
    status = store.status
    assert not status.connected and "cannot reach the server" in status.error and status.spooled_bytes > 0
    assert "spooling to" in caplog.text and "***" in caplog.text
    await store.stop(drain_timeout=0.5)  # solarctl restarts while the database is still away

    server.start()
    again = SampleStore(cfg)
    await again.start()
    for i in range(40, 45):
        for s in plant_samples(i):
            again.submit(s)
    assert await again.flush(60)
    assert again.status.connected and again.status.spooled_bytes == 0
    await again.stop()
    assert counts(url) == {t: n * 45 for t, n in EXPECTED.items()}


async def test_submit_never_blocks_while_database_is_away(tmp_path, closed_port):
    store = SampleStore(config(tmp_path, f"mysql+pymysql://u:p@127.0.0.1:{closed_port}/x"))
    await store.start()
    slowest = 0.0
    for i in range(2000):
        for s in plant_samples(i):
            started = time.perf_counter()
            store.submit(s)
            slowest = max(slowest, time.perf_counter() - started)
    # No I/O on the caller's path: a call that waited for the (refused) database or the disk would take
    # milliseconds at least; 12 000 submits never do.
    assert slowest < 0.05
    await asyncio.wait_for(store.sync(), 30)  # the journal thread catches up on its own time
    assert store.status.spooled_bytes > 0 and not store.status.connected
    await store.stop(drain_timeout=0.1)


async def test_without_auto_migrate_the_store_says_what_to_run(tmp_path):
    store = SampleStore(config(tmp_path, auto_migrate=False))
    await store.start()
    store.submit(plant_samples(0)[0])
    assert not await store.flush(2)
    assert "has no solarctl schema; run `solarctl db migrate`" in store.status.error
    assert store.status.spooled_bytes > 0  # kept meanwhile
    await store.stop(drain_timeout=0.1)
