"""`solarctl sim`: the device simulators alone, at the addresses the config's devices poll."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.cli.run_cmd import run_until_signalled
from solarctl.cli.startup import StartupError, one_sentence_errors
from solarctl.clock import ScaledClock
from solarctl.config import load_config
from solarctl.logs import setup_logging
from solarctl.plant import Plant, run_plant
from solarctl.sim.site import SimulatedSite


@app.command()
def sim(
    config: Path = typer.Option(..., "--config", "-c", help="solarctl.toml whose devices to simulate"),
    speed: float = typer.Option(1.0, "--speed", min=0.001, help="plant time per real second (60 = a day in 24 min)"),
    bind: str = typer.Option(None, "--bind", help="listen here instead of each device's configured host"),
    request_log: Path = typer.Option(None, "--request-log", help="append every request received to this file (Modbus with written values, console commands, other frames)"),
) -> None:
    """Start the device simulators alone (for solarctl run, mbpoll or other tools to talk to)."""
    cfg = load_config(config)
    setup_logging(cfg.general.log_level)
    with one_sentence_errors("sim"):
        asyncio.run(run_until_signalled(_serve(cfg, speed, bind, request_log)))


async def _serve(cfg, speed: float, bind: str | None, request_log: Path | None) -> None:
    clock = ScaledClock(speed)
    plant = Plant(cfg.plant, start=clock.time())
    try:
        log_file = request_log.open("a", encoding="utf-8") if request_log else None
    except OSError as exc:
        raise StartupError(f"cannot write the request log {request_log} ({exc.strerror}); "
                           "give --request-log a path this user may write") from None
    site = SimulatedSite(cfg, plant, bind_host=bind, request_file=log_file)
    try:
        await site.start()
        print("simulating (Ctrl-C to stop):", *site.lines, sep="\n  ", file=sys.stderr, flush=True)
        await run_plant(plant, clock)
    finally:
        await site.stop()
        if log_file is not None:
            log_file.close()

