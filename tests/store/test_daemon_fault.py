"""The whole system under a database outage: `solarctl run` polls a simulated plant every second while
MariaDB is stopped for 60 s and restarted, and the daemon is SIGKILLed once in between (and started
again). Afterwards every poll the simulator answered is in the database exactly once.

Polls are counted outside the daemon, from the simulator's request log (`solarctl sim --request-log`):
every poll of a device reads its first block exactly once (0x0040; 0x0000 on a process's first poll,
when the identity strings are merged into it). The SIGKILL and the final SIGTERM
land between polls (>= 0.35 s after the last one): a poll is durable once the store has journaled it,
a few milliseconds after its answer (store.sync() is the API for that), not at the instant of the answer.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import free_port

DEVICES = [("xw", "conext_xw", 10, "conext_xw"), ("mppt_west", "conext_mppt", 30, "conext_mppt"),
           ("combox", "conext_combox", 201, "sample")]
OUTAGE_S = 60.0


def write_config(path: Path, port: int, url: str) -> None:
    devices = "".join(f'\n[[device]]\nname = "{n}"\ndriver = "{d}"\nhost = "127.0.0.1"\nport = {port}\nunit = {u}\n'
                      f"poll_interval = 1\ntimeout = 0.5\n" for n, d, u, _ in DEVICES)
    path.write_text(f'[general]\ndata_dir = "{path.parent}/data"\n\n[storage]\nurl = "{url}"\nflush_interval = 1  # batches every second, as this test was written for (the default is 5 s)\n'
                    f"retry_interval = 1.0\n{devices}")


def spawn(*args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "solarctl", *args], stdout=subprocess.DEVNULL,
                            stderr=open(log, "ab"), start_new_session=True)


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "simulator did not start"
            time.sleep(0.1)


def polls(request_log: Path) -> tuple[Counter, float]:
    """Polls answered per unit (reads of the first block) and the time of the latest one."""
    counts: Counter = Counter()
    latest = 0.0
    for line in request_log.read_text().splitlines():
        stamp, unit, fc, address, _ = line.split()
        if fc == "fc=3" and address in ("address=64", "address=0"):
            counts[int(unit.split("=")[1])] += 1
            latest = max(latest, float(stamp))
    return counts, latest


def signal_between_polls(proc: subprocess.Popen, request_log: Path, sig: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        age = time.time() - polls(request_log)[1]
        if 0.35 < age < 0.7:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=60)
            return
        assert time.monotonic() < deadline, "no polls seen"
        time.sleep(0.02)


def stored(url: str, before_schema: int | None = None) -> dict[str, tuple[int, int]]:
    """Rows and distinct timestamps per device (in its SCP table, or the generic sample table); with
    `before_schema`, that count for every device while the daemon has not made its tables yet."""
    engine = create_engine(url)
    if before_schema is not None and not inspect(engine).has_table("sample"):
        engine.dispose()
        return {name: (before_schema, before_schema) for name, _, _, _ in DEVICES}
    try:
        with engine.connect() as conn:
            return {name: tuple(conn.execute(text(f"select count(*), count(distinct ts) from {table} where device = :d"),
                                             {"d": name}).one()) for name, _, _, table in DEVICES}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_outage_and_sigkill_lose_no_poll_and_store_none_twice(mariadb_factory, tmp_path):
    server = mariadb_factory()
    url = server.new_database()
    port = free_port()
    config = tmp_path / "site.toml"
    write_config(config, port, url)
    request_log = tmp_path / "requests.log"
    sim = spawn("sim", "--config", str(config), "--request-log", str(request_log), log=tmp_path / "sim.log")
    daemon = None
    try:
        wait_port(port)
        daemon = spawn("run", "--config", str(config), log=tmp_path / "daemon.log")
        deadline = time.monotonic() + 30  # storing normally (start-up includes the schema's migrate child)
        while stored(url, before_schema=0)["xw"][0] < 3:
            assert time.monotonic() < deadline, "the daemon stored fewer than 3 polls in 30 s"
            time.sleep(0.5)

        server.stop()
        outage_started = time.monotonic()
        time.sleep(OUTAGE_S / 3)
        signal_between_polls(daemon, request_log, signal.SIGKILL)  # no chance to drain anything
        daemon = spawn("run", "--config", str(config), log=tmp_path / "daemon.log")
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - outage_started)))
        server.start()

        deadline = time.monotonic() + 90  # back-fill
        while stored(url)["xw"][0] < polls(request_log)[0][10] - 2:
            assert time.monotonic() < deadline, "the spool was not back-filled"
            time.sleep(1)
        signal_between_polls(daemon, request_log, signal.SIGTERM)  # a clean stop drains the rest
    finally:
        for proc in (daemon, sim):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)

    answered = polls(request_log)[0]
    rows = stored(url)
    assert answered[10] >= 55  # about 70 s of polling at 1 s, minus the restart
    for name, _, unit, _ in DEVICES:
        count, distinct = rows[name]
        assert count == distinct, f"{name}: a poll stored twice"
        assert count == answered[unit], f"{name}: {answered[unit]} polls answered, {count} stored"
    daemon_log = (tmp_path / "daemon.log").read_text()
    assert "back-filling the spool" in daemon_log  # the store noticed the database return
