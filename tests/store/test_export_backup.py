"""Exports (CSV, Parquet) and daily backups restored into another engine."""

from __future__ import annotations

import csv
import gzip
import os
import subprocess
import sys
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
from sqlalchemy import func, select

from solarctl.sample import PollError, Sample
from solarctl.store import backup, migrate, schema
from solarctl.store.config import StorageConfig
from solarctl.store.engine import make_engine
from solarctl.store.records import encode
from solarctl.store.writer import BatchWriter

T0 = 1_717_200_000.0  # 2024-06-01 00:00 UTC
DRIVERS = {"xw": "conext_xw", "stack": "pylontech_console"}


def fill(url: str, n: int = 200) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    events = []
    for i in range(n):
        t = T0 + i * 600  # every 10 min over ~33 h
        events.append(Sample("xw", t, {"device_name": "XW", "grid_power": float(i), "inverter_status": "Invert", "cells": [1, 2]},
                             {"grid_power": "W"}))
        events.append(Sample("stack", t, {"soc": 50.0 + i % 10, "power": -100.0, "modules": [{"index": 1, "soc": 50.0, "current": -2.0}]}))
    events.append(PollError("xw", T0 + 301, "no answer"))
    events.sort(key=lambda e: e.timestamp)  # as polled
    BatchWriter(engine, DRIVERS, StorageConfig()).write([encode(e)[1] for e in events])
    engine.dispose()


def solarctl(tmp_path, *args):
    env = {"SOLARCTL_DATA_DIR": str(tmp_path), "PATH": os.environ["PATH"]}
    return subprocess.run([sys.executable, "-m", "solarctl", "db", *args], capture_output=True, text=True, env=env, timeout=120)


def test_export_csv_and_parquet(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    fill(url)
    out = solarctl(tmp_path, "export", "--url", url, "--from", "2024-06-01", "--to", "2024-06-01", "--format", "csv", "-o", str(tmp_path / "d.csv"))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(open(tmp_path / "d.csv")))
    assert len(rows) == 2 * 144  # one day of 10-minute samples, both devices
    xw = [r for r in rows if r["device"] == "xw"]
    assert xw[1]["ts"] == "2024-06-01T00:10:00.000Z" and float(xw[1]["grid_power"]) == 1.0 and xw[1]["cells"] == "[1, 2]"
    out = solarctl(tmp_path, "export", "--url", url, "--from", "2024-06-01T06:00", "--to", "2024-06-02T06:00", "--format", "parquet",
                   "--device", "stack", "-o", str(tmp_path / "d.parquet"))
    assert out.returncode == 0, out.stderr
    t = pq.read_table(tmp_path / "d.parquet")
    assert t.num_rows == 144 and str(t.schema.field("ts").type) == "timestamp[ms, tz=UTC]"
    assert t.column("soc").type == "double" and set(t.column("device").to_pylist()) == {"stack"}
    assert t.column("ts")[0].as_py().isoformat() == "2024-06-01T06:00:00+00:00"
    out = solarctl(tmp_path, "export", "--url", url, "--from", "2024-06-01", "--to", "2024-06-02", "--table", "rollup_1h",
                   "--format", "parquet", "-o", str(tmp_path / "h.parquet"))
    assert out.returncode == 0 and pq.read_table(tmp_path / "h.parquet").num_rows > 0
    bad = solarctl(tmp_path, "export", "--url", url, "--from", "2024-06-02", "--to", "2024-06-01", "-o", str(tmp_path / "x.csv"))
    assert bad.returncode == 1 and "must be after" in bad.stderr


def test_backup_restores_into_another_engine(mariadb, postgres, tmp_path):
    source, target = mariadb.new_database(), postgres.new_database()
    fill(source)
    engine = make_engine(source)
    paths = [backup.backup_day(engine, tmp_path / "bk", date(2024, 6, 1) + timedelta(days=d), ZoneInfo("UTC"))[0] for d in range(2)]
    engine.dispose()
    tgt = make_engine(target)
    migrate.upgrade(tgt)
    writer = BatchWriter(tgt, DRIVERS, StorageConfig())
    restored = sum(backup.restore(writer, p) for p in paths) + sum(backup.restore(writer, p) for p in paths)  # twice: idempotent
    tgt.dispose()
    assert restored == 2 * (2 * 200 + 1)

    def summary(url):
        e = make_engine(url)
        with e.connect() as conn:
            out = {t: conn.execute(select(func.count()).select_from(schema.metadata.tables[t])).scalar()
                   for t in ("sample", "conext_xw", "pylontech_bms", "rollup_1m", "rollup_1h", "energy_daily", "device_health", "metric")}
            out["energy"] = round(conn.execute(select(func.sum(schema.rollup_1h.c.energy_out_kwh))).scalar(), 9)
        e.dispose()
        return out

    assert summary(target) == summary(source)


def test_daily_job_once_per_day_and_keeps_n_days(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    fill(url, n=10)
    engine = make_engine(url)
    cfg = StorageConfig(backup_keep_days=3)
    old = backup.backup_path(tmp_path / "bk", date(2024, 5, 1))
    old.parent.mkdir(parents=True)
    old.write_bytes(b"")
    assert backup.daily(engine, tmp_path / "bk", date(2024, 6, 1), cfg) is not None
    assert backup.daily(engine, tmp_path / "bk", date(2024, 6, 1), cfg) is None  # already done
    engine.dispose()
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == ["solarctl-2024-06-01.log.gz"]



def test_a_file_that_is_not_a_backup_is_one_sentence(tmp_path):
    """`db restore` of a text file or of a gzip file holding something else: one sentence, exit status 1."""
    def db(*args):
        return subprocess.run([sys.executable, "-m", "solarctl", "db", *args, "--url", f"sqlite:///{tmp_path}/x.db"],
                              capture_output=True, text=True, timeout=60,
                              env={"SOLARCTL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert db("init").returncode == 0
    text_file = tmp_path / "notes.txt"
    text_file.write_text("root:x:0:0\n")
    other_gzip = tmp_path / "other.log.gz"
    with gzip.open(other_gzip, "wb") as f:
        f.write(b"hello\tworld\n")
    for path, sentence in ((text_file, "is not a solarctl backup (not a whole gzip file)"),
                           (other_gzip, "is not a solarctl backup: line 1 is no backup record")):
        out = db("restore", str(path))
        assert (out.returncode, out.stderr) == (1, f"solarctl db: {path} {sentence}\n")
