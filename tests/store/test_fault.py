"""Fault test at the storage layer: a writer process fed at a steady rate, MariaDB stopped and restarted,
the writer SIGKILLed in between and restarted: every sample submitted is in the database exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from solarctl.store import schema
from solarctl.store.engine import make_engine

WRITER = Path(__file__).with_name("fault_writer.py")
RATE = 30.0  # samples per second
TOTAL = 480  # ~16 s of feeding


def start_writer(url: str, data_dir: Path, first: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WRITER), url, str(data_dir), str(first), str(TOTAL), str(RATE)],
                            stdout=subprocess.PIPE, stderr=open(log, "ab"), text=True)


def acknowledged(proc: subprocess.Popen) -> int:
    """The last sample index the writer reported as durably spooled."""
    lines = proc.stdout.read().split()
    return int(lines[-1]) if lines else -1


def test_mariadb_outage_and_sigkill_lose_nothing(mariadb_factory, tmp_path):
    server = mariadb_factory()
    url = server.new_database()
    log = tmp_path / "writer.log"
    writer = start_writer(url, tmp_path / "data", 0, log)
    time.sleep(4)  # writing normally
    server.stop()
    outage_started = time.monotonic()
    time.sleep(3)  # samples go to the spool
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    last = acknowledged(writer)
    assert 0 < last < TOTAL - 1
    writer = start_writer(url, tmp_path / "data", last + 1, log)  # solarctl restarted, database still away
    time.sleep(max(0.0, 8 - (time.monotonic() - outage_started)))
    server.start()  # after an ~8 s outage
    assert writer.wait(120) == 0, log.read_text()[-3000:]

    engine = make_engine(url)
    s = schema.sample
    with engine.connect() as conn:
        seqs = [json.loads(d).get("seq") for d in conn.execute(select(s.c.data).where(s.c.device != "stack")).scalars()]
        stack_rows = conn.execute(select(func.count()).select_from(s).where(s.c.device == "stack")).scalar()
        bms_rows = conn.execute(select(func.count()).select_from(schema.pylontech_bms)).scalar()
        xw_rows = conn.execute(select(func.count()).select_from(schema.conext_xw)).scalar()
        rolled = conn.execute(select(func.sum(schema.rollup_1m.c.n)).where(schema.rollup_1m.c.metric == "power")).scalar()
    engine.dispose()
    expected = [i for i in range(TOTAL) if i % 3 != 2]
    assert sorted(seqs) == expected  # every xw/west sample once: no gap, no duplicate
    assert stack_rows == bms_rows == TOTAL // 3
    assert xw_rows == TOTAL // 3
    assert rolled == TOTAL // 3  # the rollups counted each stack sample once, across kill and replay
    text = log.read_text()
    assert "cannot reach the server" in text and "reachable again" in text
    assert "from an earlier run" in text  # the killed writer left spooled samples that the next one wrote
