"""`solarctl run` loads no library it does not use: the footprint target (README, Benchmarks) depends on it."""

import json
import subprocess
import sys

from tests.conftest import free_port

# What `python -m solarctl run --config FILE` does, for a few seconds, then which modules it holds.
DAEMON = """
import asyncio, json, sys
import solarctl.cli  # every command module, as the `solarctl` entry point imports them
from solarctl.config import load_config
from solarctl.daemon import Daemon

async def main():
    task = asyncio.create_task(Daemon(load_config(sys.argv[1])).run())
    await asyncio.sleep(2.5)  # polls (failing: nothing listens) go through the store into SQLite
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

asyncio.run(main())
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

NEVER = {"pyarrow", "numpy", "pandas", "pvlib", "demandlib", "scipy"}  # export, the weather and optimize extras only


def daemon_modules(config) -> set[str]:
    result = subprocess.run([sys.executable, "-c", DAEMON, str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_daemon_with_storage_never_imports_export_or_weather_libraries(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text(f'[general]\ndata_dir = "{tmp_path}"\nlog_level = "error"\n\n'
                      f'[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "127.0.0.1"\nport = {free_port()}\n'
                      'poll_interval = 0.5\ntimeout = 0.2\n\n[storage]\nflush_interval = 0.2\n')
    first = daemon_modules(config)  # creates the database: Alembic runs
    assert "sqlalchemy" in first and "alembic" in first  # the store really ran
    assert not first & NEVER
    restart = daemon_modules(config)  # schema current: checked without Alembic
    assert not restart & (NEVER | {"alembic"})
    assert health_rows(tmp_path / "solarctl.db") > 0


def health_rows(db) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("select count(*) from device_health").fetchone()[0]
    except sqlite3.Error:  # not created yet, or the schema not yet in
        return 0


def test_solarctl_run_creates_the_schema_in_a_child_and_stores(tmp_path):
    """`solarctl run` on a fresh data dir (schema made by its short-lived `solarctl db migrate` child, so
    the daemon keeps no Alembic; bench/conext_poll.py shows the RSS): the schema is current and the rows go in."""
    import signal
    import time

    from solarctl.store import migrate
    from solarctl.store.engine import make_engine

    config = tmp_path / "site.toml"
    config.write_text(f'[general]\ndata_dir = "{tmp_path}"\nlog_level = "error"\n\n'
                      f'[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "127.0.0.1"\nport = {free_port()}\n'
                      'poll_interval = 0.5\ntimeout = 0.2\n\n[storage]\nflush_interval = 0.2\n')
    daemon = subprocess.Popen([sys.executable, "-m", "solarctl", "run", "--config", str(config)],
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30  # until the daemon itself has stored a poll (not just the schema made)
        while not health_rows(tmp_path / "solarctl.db") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    engine = make_engine(f"sqlite:///{tmp_path}/solarctl.db")
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
    assert health_rows(tmp_path / "solarctl.db") > 0
