"""What every strategy gets and must offer."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from solarctl.clock import Clock
from solarctl.control.safe_write import SafeWriter
from solarctl.hub import StateHub
from solarctl.sample import Value


class Strategy(ABC):
    def __init__(self, config, hub: StateHub, writer: SafeWriter, clock: Clock) -> None:
        self.config = config
        self.hub = hub
        self.writer = writer
        self.clock = clock
        self.log = logging.getLogger(f"solarctl.strategy.{config.name}")

    @property
    def source(self) -> str:
        return f"strategy:{self.config.name}"

    async def apply(self, device: str, settings: dict[str, Value], why: str) -> bool:
        """Write several settings (each verified); True if all are in place."""
        ok = True
        for setting, value in settings.items():
            outcome = await self.writer.write(device, setting, value, source=self.source)
            level = "info" if outcome.ok else "warning"
            getattr(self.log, level)("%s: %s", why, outcome.describe())
            ok &= outcome.ok
        return ok

    async def start(self) -> None:
        """Called once before `run` (e.g. settings to put in place while this strategy is in charge)."""

    @abstractmethod
    async def run(self) -> None:
        """Decide and act until cancelled."""

    async def stop(self) -> None:
        """Called on the way out, even after errors (e.g. restore safe defaults)."""
