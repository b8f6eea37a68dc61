"""`solarctl demo`."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.cli.run_cmd import run_until_signalled
from solarctl.cli.startup import one_sentence_errors, private_data_dir, start_logging, writable_dir
from solarctl.config.sections import default_data_dir

SITES = {"scp": "scp_site", "solar-station": "solar_station_site", "voltronic": "voltronic_site"}


@app.command()
def demo(
    site: str = typer.Option("scp", "--site", help=f"which demo installation: {', '.join(SITES)}"),
    speed: float = typer.Option(60.0, "--speed", min=0.01, help="plant time per real second (60: an hour a minute)"),
    duration: float = typer.Option(None, "--duration", min=1, help="stop after this many seconds (default: Ctrl-C)"),
    data_dir: Path = typer.Option(None, "--data-dir", help="keep data here (default: a new temporary directory)"),
    print_config: bool = typer.Option(False, "--print-config", help="print the embedded config and exit"),
) -> None:
    """Run the whole system against the built-in simulated plant: no hardware, no config, no servers."""
    # Here, not at the top: every command module is imported for every command, and `solarctl run`
    # should not carry the demo's table renderer.
    from rich.console import Console

    from solarctl.demo.run import demo_config_text, load_demo_config, new_data_dir, run_demo

    if site not in SITES:
        raise typer.BadParameter(f"unknown site {site!r}; choose one of {', '.join(SITES)}", param_hint="--site")
    with one_sentence_errors("demo"):
        if print_config:
            print(demo_config_text(data_dir or default_data_dir(), SITES[site]), end="")
            return
        directory = new_data_dir() if data_dir is None else writable_dir(
            data_dir, "the demo's data directory", "pass --data-dir a directory this user may write, or leave it out")
        try:
            config = load_demo_config(directory, SITES[site])
            private_data_dir(config)
            start_logging("warning", directory / "solarctl.log")
            asyncio.run(run_until_signalled(run_demo(config, speed=speed, duration=duration, console=Console())))
        finally:
            if data_dir is None:  # the temporary directory made for this run: nothing of it is kept
                shutil.rmtree(directory, ignore_errors=True)
