"""`solarctl run`: the daemon for a real installation."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from solarctl.api.server import ControlServer, DataDirUnavailable
from solarctl.cli.app import app
from solarctl.cli.startup import one_sentence_errors, private_data_dir, start_logging, writable_dir
from solarctl.compose import build_daemon
from solarctl.config import Config, load_config
from solarctl.store import schema_version
from solarctl.store.engine import database_url, make_engine
from solarctl.store.store import spool_dir


RECANCEL_S = 1.0  # how soon a stop request that got lost is made again


async def run_until_signalled(main, stopping: Callable[[], bool] | None = None) -> None:
    """Run `main` until SIGINT/SIGTERM, then cancel it so it can clean up (restore settings, close links).

    `stopping`: True once `main` is in its own (shielded) shutdown. Until then the request is repeated every
    RECANCEL_S: Python 3.11's wait_for and timeout can swallow a cancel that lands just as a request
    completes, and the daemon would poll on (seen once in a CI run: SIGTERM, and no exit)."""
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()

    def stop() -> None:
        if task.done() or (stopping is not None and stopping()):
            return  # never cut a shutdown short
        task.cancel()
        if stopping is not None:
            loop.call_later(RECANCEL_S, stop)

    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


@app.command()
def run(config: Path = typer.Option(..., "--config", "-c", help="solarctl.toml")) -> None:
    """Run the daemon: poll, store, publish and control until stopped (SIGTERM / Ctrl-C)."""
    cfg = load_config(config)
    with one_sentence_errors("run"):
        writable_dir(cfg.general.data_dir, "the data directory",
                     f"set [general] data_dir in {config} to a directory this user may write")
        private_data_dir(cfg)
        writable_dir(spool_dir(cfg), "the storage spool directory",
                     f"set [storage] spool_dir in {config} to a directory this user may write, or remove it")
        start_logging(cfg.general.log_level, cfg.general.log_file)
        api = ControlServer(cfg.general.data_dir)  # `solarctl read` / `set` reach the running daemon through it
        try:
            api.claim()  # before any port is opened: one daemon per data dir
        except DataDirUnavailable as exc:
            print(f"solarctl run: {exc}", file=sys.stderr)
            raise typer.Exit(1)
        try:
            # A bad [storage] url, a [web] port in use, an unreadable Telegram token: one sentence, before any start.
            daemon = build_daemon(cfg, api=api, config_path=config.resolve()).daemon
            migrate_in_child(cfg, config)
            asyncio.run(run_until_signalled(daemon.run(), stopping=lambda: daemon.stopping))
        finally:
            api.release()


def migrate_in_child(cfg: Config, config: Path) -> None:
    """Create or upgrade the schema in a short-lived `solarctl db migrate`, so the daemon never imports
    Alembic: ~10 MiB it would carry for its whole life after a first start. Should that fail (the database
    is away), the store migrates in-process once the database answers, as before."""
    if not cfg.storage.auto_migrate:
        return
    engine = make_engine(database_url(cfg))
    try:
        if schema_version.at_head(engine):
            return
    finally:
        engine.dispose()
    try:
        # Adopting an old SCP database copies its history, longer than this child may take: `solarctl db migrate` does it.
        subprocess.run([sys.executable, "-m", "solarctl", "db", "migrate", "--no-adopt", "--config", str(config)],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        pass  # the store's own path takes over
