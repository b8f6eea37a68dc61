"""The plausibility checks in the daemon: a task (`run`, under the daemon's supervisor) that evaluates them over
the read model's latest values on each new sample, logs each condition when it turns active or clears, and hands every
evaluation's Conditions to `report` (the alert manager's input once it is there). A check that raises ends the
task's attempt: the supervisor logs it once, shows it down, alerts and restarts it; polling never notices."""

from __future__ import annotations

import logging
from typing import Callable

from solarctl.alerts.model import Condition
from solarctl.checks.plausibility import Plausibility
from solarctl.control.runner import read_view
from solarctl.hub import StateHub
from solarctl.read_model import ReadModel
from solarctl.sample import Sample

log = logging.getLogger("solarctl.checks")


class PlausibilityWatch:
    name = "plausibility"

    def __init__(self, checks: Plausibility, hub: StateHub, model: ReadModel,
                 report: Callable[[list[Condition]], None] | None = None) -> None:
        self.checks = checks
        self.hub = hub  # its events: when to evaluate
        self.model = model  # what to evaluate on
        self.report = report
        self.active: dict[tuple[str, str | None], Condition] = {}
        self.evaluations = 0

    async def run(self) -> None:
        """Evaluate on every new sample until cancelled."""
        subscription = self.hub.subscribe(maxsize=1000, name=self.name)
        try:
            while True:
                if isinstance(await subscription.get(), Sample):
                    self.evaluate()
        finally:
            subscription.close()

    def evaluate(self) -> None:
        conditions = self.checks.evaluate(read_view(self.model, self.model.clock.time(), lambda device, setting: None))
        self.evaluations += 1
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

