"""`solarctl run`: the daemon for a real installation."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.cli.startup import one_sentence_errors, start_logging, writable_dir
from solarctl.config import load_config
from solarctl.daemon import Daemon
from solarctl.store.store import spool_dir


async def run_until_signalled(main) -> None:
    """Run `main` until SIGINT/SIGTERM, then cancel it so it can clean up (restore settings, close links)."""
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass


@app.command()
def run(config: Path = typer.Option(..., "--config", "-c", help="solarctl.toml")) -> None:
    """Run the daemon: poll, store, publish and control until stopped (SIGTERM / Ctrl-C)."""
    cfg = load_config(config)
    with one_sentence_errors("run"):
        writable_dir(cfg.general.data_dir, "the data directory",
                     f"set [general] data_dir in {config} to a directory this user may write")
        writable_dir(spool_dir(cfg), "the storage spool directory",
                     f"set [storage] spool_dir in {config} to a directory this user may write, or remove it")
        start_logging(cfg.general.log_level, cfg.general.log_file)
        asyncio.run(run_until_signalled(Daemon(cfg).run()))
