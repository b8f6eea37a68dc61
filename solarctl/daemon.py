"""The long-running process: pollers, strategies and sinks, each supervised on its own.

One failing part (a strategy bug, a dead sink) is logged and restarted after a pause; it never
stops polling. Every sample goes to the store (SQLite under the data dir unless [storage] url says
otherwise), which spools to disk while its database is away. On the way out, strategies get to put their safe defaults back before the links close.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from solarctl.bus.backoff import Backoff
from solarctl.clock import Clock, SystemClock
from solarctl.config import Config
from solarctl.control.command_file import CommandFile
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from solarctl.control.runner import StrategyRunner
from solarctl.control.strategies import make_strategies
from solarctl.hub import StateHub
from solarctl.installation import Installation
from solarctl.store.store import SampleStore

log = logging.getLogger("solarctl.daemon")


class Daemon:
    def __init__(self, config: Config, clock: Clock | None = None, hub: StateHub | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.site = Installation(config, self.clock, hub)
        self.hub = self.site.hub
        self.writer = SafeWriter(self.site, AuditLedger(config.general.data_dir / "audit.jsonl"), self.clock,
                                 daily_budget=config.control.daily_write_budget, dry_run=config.control.dry_run)
        self.strategies = [StrategyRunner(s, self.hub, self.site.devices, self.writer, self.clock)
                           for s in make_strategies(config.strategy)]
        self.store = SampleStore(config, drivers={d.name: d.driver for d in config.device}, clock=self.clock)
        # Extra long-running parts (storage writer, publishers …): name -> coroutine factory.
        self.services: dict[str, Callable[[], Awaitable[None]]] = {}
        if config.command_file is not None:
            self.services["command file"] = CommandFile(config.command_file, self.writer, self.clock).run

    async def run(self) -> None:
        """Run until cancelled."""
        log.info("polling %d device(s) on %d link(s); %d strategy(ies)", len(self.site.devices),
                 len(self.site.links), len(self.strategies))
        await self.store.start()
        self.store.attach(self.hub)  # every sample and poll error, off the polling path
        try:
            for strategy in self.strategies:
                await self._guard(f"strategy {strategy.config.name} start", strategy.start)
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self.site.run())
                for strategy in self.strategies:
                    tasks.create_task(self._supervise(f"strategy {strategy.config.name}", strategy.run))
                for name, factory in self.services.items():
                    tasks.create_task(self._supervise(name, factory))
        finally:
            await asyncio.shield(self._shutdown())

    async def _shutdown(self) -> None:
        for strategy in self.strategies:
            await self._guard(f"strategy {strategy.config.name} stop", strategy.stop)
        await self._guard("storage stop", self.store.stop)  # journals what is queued; the rest waits in the spool
        await self.site.close()

    async def _guard(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed", name)

    async def _supervise(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        backoff = Backoff(initial=5.0, maximum=300.0)
        while True:
            try:
                await factory()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                delay = backoff.next_delay()
                log.exception("%s crashed; restarting in %.0f s", name, delay)
                await self.clock.sleep(delay)
