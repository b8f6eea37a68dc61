"""Restores that could not be written yet (the inverter did not answer on the way out): kept under the data dir
and tried again, first thing at the next start and then every `retry_s` until they land.

A later successful write of the same setting (a strategy deciding anew) supersedes a pending restore: it is
dropped, never written over the newer decision.
"""

from __future__ import annotations

import logging
from typing import Any

from solarctl.clock import Clock
from solarctl.control.safe_write import SafeWriter, WriteOutcome
from solarctl.control.state_file import StateFile
from solarctl.sample import Value

log = logging.getLogger("solarctl.control")


class PendingRestores:
    def __init__(self, file: StateFile, writer: SafeWriter, clock: Clock, retry_s: float = 30.0) -> None:
        self.file = file
        self.writer = writer
        self.clock = clock
        self.retry_s = retry_s
        saved = file.load()
        self.items: list[dict[str, Any]] = saved if isinstance(saved, list) else []  # {device, setting, value, source}

    def add(self, outcome: WriteOutcome, source: str) -> None:
        self.settled(outcome.device, outcome.setting)
        self.items.append({"device": outcome.device, "setting": outcome.setting, "value": outcome.requested, "source": source})
        self.file.save(self.items)
        log.warning("restore of %s.%s = %s could not be written (%s); kept, tried again until it lands",
                    outcome.device, outcome.setting, outcome.requested, outcome.reason)

    def settled(self, device: str, setting: str) -> None:
        """The setting has just been written (or found in place): nothing pending for it any more."""
        kept = [item for item in self.items if (item["device"], item["setting"]) != (device, setting)]
        if len(kept) != len(self.items):
            self.items = kept
            self.file.save(self.items)

    async def apply(self) -> None:
        """Try every pending restore once, oldest first."""
        for item in list(self.items):
            value: Value = item["value"]
            outcome = await self.writer.write(item["device"], item["setting"], value, source=item["source"], restore=True)
            if outcome.ok:
                log.info("pending restore: %s", outcome.describe())
                self.settled(item["device"], item["setting"])
            elif outcome.outcome == "rejected":  # the config or the budget changed: trying again cannot help
                log.error("pending restore dropped: %s", outcome.describe())
                self.settled(item["device"], item["setting"])

    async def run(self) -> None:
        """The daemon's service: retry while anything is pending."""
        while True:
            await self.clock.sleep(self.retry_s)
            if self.items:
                await self.apply()
