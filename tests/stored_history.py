"""A site's database filled with what its devices would have reported: the plant model run minute by minute, each
device's values as its simulator computes them (PlantDevices) stored as Samples through the store's own writer
(BatchWriter: raw rows, minute and hour rollups, the installation's minutes, daily energy), as the daemon does."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import select

from solarctl.config import Config
from solarctl.control.plant_devices import PlantDevices
from solarctl.plant import Plant
from solarctl.sample import Sample
from solarctl.store import migrate, schema
from solarctl.store.energy import INSTALLATION
from solarctl.store.engine import database_url, make_engine
from solarctl.store.records import encode
from solarctl.store.rows import epoch_of
from solarctl.store.writer import BatchWriter


def local_midnight(day: str, zone: str) -> float:
    d = dt.date.fromisoformat(day)
    return dt.datetime(d.year, d.month, d.day, tzinfo=zoneinfo.ZoneInfo(zone)).timestamp()


def record(config: Config, start: float, minutes: int, holes: tuple[tuple[float, float], ...] = (),
           every_s: float = 60.0) -> Plant:
    """Run the plant from `start` for `minutes`, storing each device's values every `every_s` (none in `holes`:
    [from, to) epoch spans, as if the daemon was down); the plant at the end."""
    engine = make_engine(database_url(config))
    migrate.upgrade(engine)
    plant = Plant(config.plant, start)
    devices = PlantDevices(config, plant)
    writer = BatchWriter(engine, {d.name: d.driver for d in config.device if d.enabled}, config.storage)
    batch = []
    for _ in range(int(minutes * 60 / every_s)):
        t = plant.time
        if not any(lo <= t < hi for lo, hi in holes):
            batch += [encode(Sample(name, t, dict(source.values()), devices.devices[name].units))[1]
                      for name, source in devices.sources.items()]
        if len(batch) >= 2000:
            writer.write(batch)
            batch = []
        plant.step(every_s)
    if batch:
        writer.write(batch)
    engine.dispose()
    return plant


def installation(config: Config, metric: str) -> list[tuple[float, float, float | None]]:
    """[(minute start, mean, energy_in_kwh)] of the installation's stored minutes of `metric`."""
    engine = make_engine(database_url(config))
    m = schema.rollup_1m
    with engine.connect() as conn:
        rows = conn.execute(select(m.c.bucket, m.c.mean, m.c.energy_in_kwh)
                            .where(m.c.device == INSTALLATION, m.c.metric == metric).order_by(m.c.bucket)).all()
    engine.dispose()
    return [(epoch_of(b), mean, e) for b, mean, e in rows]
