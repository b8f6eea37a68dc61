"""A strategy in the daemon: every `interval`, a view of the read model -> `decide` -> proposals through the SafeWriter,
conditions to the alert manager.

Start proposals go out when it starts, stop proposals (as restores) on the way out (the daemon calls `stop`
on every path). A proposal the view shows already in place is skipped without even a read request, and so
is one this runner has already carried out, unless a poll since then shows another value: an unchanged
decision costs no request, no ledger row and no log line (a refused one is asked again after an hour). A
restore that fails is handed to the pending restores (kept in the data dir, tried until it lands).
Conditions a step returns are logged when they change; what the strategy must keep across a restart
(`state()`) is saved to its state file whenever it changes and handed back (`load_state`) when the runner is made.
"""

from __future__ import annotations

import logging
import math
from types import MappingProxyType
from typing import Callable, Iterable, Mapping

from solarctl.alerts.model import Condition
from solarctl.clock import Clock
from solarctl.control.pending_restores import PendingRestores
from solarctl.control.safe_write import SafeWriter
from solarctl.control.state_file import StateFile
from solarctl.control.strategies.base import Proposal, Strategy, in_place, split
from solarctl.control.strategies.view import Latest, SettingMetric, View, setting_metrics
from solarctl.devices.base import Device
from solarctl.read_model import ReadModel

ASK_AGAIN_AFTER_REFUSAL_S = 3600.0  # a refused decision (budget, range) is proposed again at most this often


def read_view(model: ReadModel, now: float, setting_metric: SettingMetric,
              first_due: Mapping[str, float] = MappingProxyType({})) -> View:
    """The read model's devices as a View at `now`; `first_due`: device -> when its first poll could have
    delivered (a device not read before then is waiting, not lost)."""
    latest = {name: Latest(MappingProxyType(dict(status.values)), status.sampled_at, status.status == "failed",
                           first_due.get(name)) for name, status in model.statuses(now).items()}
    return View(now, latest, setting_metric)


def first_poll_due(devices: Mapping[str, Device], started: float) -> dict[str, float]:
    """device -> when its first poll could have delivered, for a daemon that started polling at `started`."""
    return {name: started + device.poll_interval + device.timeout for name, device in devices.items()}


class StrategyRunner:
    def __init__(self, strategy: Strategy, model: ReadModel, devices: Mapping[str, Device], writer: SafeWriter,
                 clock: Clock, state_file: StateFile | None = None, pending: PendingRestores | None = None,
                 conditions: Callable[[Iterable[Condition]], None] = lambda found: None) -> None:
        self.strategy = strategy
        self.conditions = conditions  # the daemon: its alert manager
        self.config = strategy.config  # the daemon names its tasks by config.name
        self.model = model  # what the strategy sees, as every front end sees it
        self.writer = writer
        self.clock = clock
        self.source = f"strategy:{strategy.name}"
        self.log = logging.getLogger(f"solarctl.strategy.{strategy.name}")
        self._setting_metric = setting_metrics(devices)
        self._devices = devices
        self._first_due: dict[str, float] = {}  # set when the runner's loop starts (with the polling)
        # (device, setting) -> (value carried out or refused, the value the view showed then, asked again after)
        self._done: dict[tuple[str, str], tuple[object, object, float]] = {}
        self.pending = pending
        self.state_file = state_file
        self._saved = state_file.load() if state_file else None
        if self._saved is not None:
            strategy.load_state(self._saved)

    async def start(self) -> None:
        await self._apply(self.strategy.start_proposals())

    async def run(self) -> None:
        # The daemon starts polling as it starts this loop: from here each device's first poll has its chance.
        self._first_due = self._first_due or first_poll_due(self._devices, self.clock.time())
        while True:
            await self.step()
            await self.clock.sleep(self.strategy.interval)

    async def step(self) -> None:
        view = read_view(self.model, self.clock.time(), self._setting_metric, self._first_due)
        found, conditions = split(self.strategy.decide(view, view.now))
        self._save_state()
        self.conditions(conditions)  # the alert manager logs and publishes each change of state
        await self._apply([p for p in found if not self._nothing_to_do(view, p)], view)

    async def stop(self) -> None:
        stop = self.strategy.stop_proposals()
        self._save_state()
        await self._apply([p._replace(restore=True) for p in stop])

    def _nothing_to_do(self, view: View, proposal: Proposal) -> bool:
        """The view shows the value in place, or this runner put it there and no read since says otherwise
        (a setting read on a slow cadence shows the old value until its next read: that is no news)."""
        key = (proposal.device, proposal.setting)
        shown = view.setting(*key)
        if shown == proposal.value:
            self._done.pop(key, None)  # the polls see it now: from here on they tell
            return True
        done = self._done.get(key)
        return done is not None and done[0] == proposal.value and shown in (None, done[1]) and view.now < done[2]

    def _save_state(self) -> None:
        state = self.strategy.state()
        if self.state_file is not None and state != self._saved:
            self.state_file.save(state)
            self._saved = state

    async def _apply(self, proposals: list[Proposal], view: View | None = None) -> None:
        for proposal in proposals:
            key = (proposal.device, proposal.setting)
            outcome = await self.writer.write(*key, proposal.value, source=self.source, restore=proposal.restore)
            self.log.log(logging.INFO if outcome.ok else logging.WARNING, "%s: %s", proposal.reason, outcome.describe())
            shown = view.setting(*key) if view is not None else None
            if outcome.ok:
                self._done[key] = (proposal.value, shown, math.inf)
                if self.pending is not None:
                    self.pending.settled(*key)
            elif outcome.outcome == "rejected":  # asking again every step would only repeat the refusal
                self._done[key] = (proposal.value, shown, self.clock.time() + ASK_AGAIN_AFTER_REFUSAL_S)
            else:
                self._done.pop(key, None)
                if proposal.restore and self.pending is not None:
                    self.pending.add(outcome, self.source)
