"""Plant + simulators + daemon, all in one process."""

from __future__ import annotations

import asyncio
import socket
import tempfile
from importlib import resources
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.live import Live

from solarctl.clock import ScaledClock, SystemClock
from solarctl.compose import build_daemon
from solarctl.config import Config, parse_config
from solarctl.demo.view import render, status_lines
from solarctl.facade import Facade
from solarctl.plant import Plant, run_plant
from solarctl.sim.site import SimulatedSite


PLAIN_EVERY_S = 10.0  # how often the status is printed when the output is not a terminal


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def demo_config_text(data_dir: Path, site: str = "scp_site") -> str:
    template = resources.files("solarctl.demo").joinpath(f"{site}.toml").read_text(encoding="utf-8")
    return template.replace("{data_dir}", str(data_dir)).replace("{port}", str(_free_port())) \
        .replace("{tty_dir}", str(data_dir)).replace("{web_port}", str(_free_port()))


async def run_demo(config: Config, *, speed: float, duration: float | None, console: Console) -> None:
    plant_clock = ScaledClock(speed)
    plant = Plant(config.plant, start=plant_clock.time())
    site = SimulatedSite(config, plant)
    await site.start()
    daemon, web_url = build_daemon(config, SystemClock())  # as `solarctl run` builds it, on the plant's addresses
    front = daemon.facade  # the table sees what every front end sees
    tasks = [asyncio.create_task(run_plant(plant, plant_clock)), asyncio.create_task(daemon.run())]
    console.print(f"[bold]solarctl demo[/]: data in {config.general.data_dir}; simulating:", *site.lines, sep="\n  ", soft_wrap=True)
    if web_url is not None:
        console.print(f"web page: {web_url}  (log in as demo / demo to change settings)", highlight=False,
                      soft_wrap=True)
    if config.command_file is not None:  # the solar-station site: the old scripts' way in
        path = config.command_file.path
        console.print(f"command file: {path}  (e.g. echo 20105=0 >> {path}; outcomes in {config.command_file.log_path})",
                      highlight=False, soft_wrap=True, markup=False)
    try:
        if console.is_terminal:
            with Live(render(front, plant, 0), console=console, refresh_per_second=1, transient=False) as live:
                await _watch(tasks, duration, lambda now: live.update(render(front, plant, now)))
        else:
            try:
                await _watch(tasks, duration, PlainStatus(front, plant, console).show)
            finally:
                console.print(render(front, plant, 0))  # the last table, as a terminal keeps it
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await site.stop()


async def _watch(tasks: list[asyncio.Task[None]], duration: float | None, show: Callable[[float], None]) -> None:
    """Call show(now) every second until `duration` has passed (or forever)."""
    loop = asyncio.get_running_loop()
    end = None if duration is None else loop.time() + duration
    while end is None or loop.time() < end:
        await asyncio.sleep(1.0)
        for task in tasks:
            if task.done():
                task.result()  # surface a crash instead of showing a frozen table
        show(loop.time())


class PlainStatus:
    """Plain status lines every PLAIN_EVERY_S (output to a file or pipe: no live table to redraw; the
    last table is printed at the end)."""

    def __init__(self, daemon: Facade, plant: Plant, console: Console) -> None:
        self.daemon, self.plant, self.console = daemon, plant, console
        self.next_at = 0.0
        self.actions_shown = 0

    def show(self, now: float) -> None:
        if now < self.next_at:
            return
        self.next_at = now + PLAIN_EVERY_S
        for line in status_lines(self.daemon, self.plant, self.actions_shown):
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        self.actions_shown = len(self.daemon.audit())


def new_data_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="solarctl-demo-"))


def load_demo_config(data_dir: Path, site: str) -> Config:
    return parse_config(demo_config_text(data_dir, site), f"<embedded {site}.toml>")
