"""The plausibility checks in the daemon: a sink that evaluates them over the hub's latest values on each new
sample, logs each condition when it turns active or clears, and hands every evaluation's Conditions to
`report` (the alert manager's input once it is there)."""

from __future__ import annotations

import logging
from typing import Callable

from solarctl.alerts.model import Condition
from solarctl.checks.plausibility import Plausibility
from solarctl.clock import Clock
from solarctl.control.runner import hub_view
from solarctl.hub import Event, StateHub
from solarctl.publish.sink import SinkStatus
from solarctl.sample import Sample

log = logging.getLogger("solarctl.checks")


class PlausibilityWatch:
    name = "plausibility"

    def __init__(self, checks: Plausibility, hub: StateHub, clock: Clock,
                 report: Callable[[list[Condition]], None] | None = None) -> None:
        self.checks = checks
        self.hub = hub
        self.clock = clock
        self.report = report
        self.active: dict[tuple[str, str | None], Condition] = {}
        self._evaluations = 0
        self._error: str | None = None

    async def start(self) -> None:
        pass  # nothing to open: the checks run in submit, on the hub's latest values

    def submit(self, event: Event) -> None:
        if not isinstance(event, Sample):
            return
        try:
            conditions = self.checks.evaluate(hub_view(self.hub, self.clock.time(), lambda device, setting: None))
        except Exception as error:  # a check's bug costs the checks, never the poller
            self._error = f"{type(error).__name__}: {error}"
            log.exception("plausibility checks failed")
            return
        self._evaluations += 1
        for condition in conditions:
            before = self.active.get(condition.key)
            if condition.active and before is None:
                log.warning("implausible: %s", condition.message)
                self.active[condition.key] = condition
            elif not condition.active and before is not None:
                log.info("plausible again: %s %s", condition.kind, condition.device)
                del self.active[condition.key]
        if self.report is not None:
            self.report(conditions)

    async def stop(self) -> None:
        pass

    def status(self) -> SinkStatus:
        return SinkStatus("ok" if self._error is None else "failing", 0, 0, self._evaluations,
                          0 if self._error is None else 1, self._error, {"implausible": len(self.active)})
