"""`solarctl run`: the daemon for a real installation."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import typer

from solarctl.api.ops import DaemonOps
from solarctl.api.server import ControlServer, DataDirUnavailable
from solarctl.cli.app import app
from solarctl.config import load_config
from solarctl.daemon import Daemon
from solarctl.logs import setup_logging


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
    setup_logging(cfg.general.log_level, cfg.general.log_file)
    api = ControlServer(cfg.general.data_dir)  # `solarctl read` / `set` reach the running daemon through it
    try:
        api.claim()  # before any port is opened: one daemon per data dir
    except DataDirUnavailable as exc:
        print(f"solarctl run: {exc}", file=sys.stderr)
        raise typer.Exit(1)
    try:
        daemon = Daemon(cfg)
        api.ops.update(DaemonOps(daemon, config.resolve()).table())
        daemon.services["control api"] = api.serve
        asyncio.run(run_until_signalled(daemon.run()))
    finally:
        api.release()
