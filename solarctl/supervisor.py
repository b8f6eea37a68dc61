"""Every long-running task of the daemon runs here, so none dies unseen.

    supervisor = Supervisor(clock, report=alerts.observe_all)
    task = supervisor.spawn("store database", store._db_loop)    # or: await supervisor.run(name, factory)

An unexpected exception ends the task's attempt: it is logged once per episode with its cause (the
traceback), the task's health turns `down` (`health()`, shown as `task:NAME` by the daemon and inside
its sink's status), a `task_failed` Condition is reported (the daemon's alert manager raises the alert),
and the task is started again after a backoff (1 s doubling to 60 s, with jitter, on the injected clock).
Once an attempt has run `healthy_after` seconds the episode is over: the backoff starts from 1 s again,
and `conditions()` (evaluated periodically by the daemon's alert watch) finds it inactive, which clears
the alert after the alert manager's release hysteresis. A task that returns is done; a cancel is a stop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable

from solarctl.alert_types import Condition
from solarctl.bus.backoff import Backoff
from solarctl.clock import Clock

log = logging.getLogger("solarctl.supervisor")

RECANCEL_S = 1.0  # how soon a task that outlived its cancel is cancelled again
TASK_FAILED = "task_failed"  # the alert kind; its `device` is the task's name


@dataclass
class _Task:
    backoff: Backoff
    state: str = "starting"  # running, done, stopped (cancelled); `down` is derived (see TaskState)
    started_at: float = 0.0
    failures: int = 0  # failures in the current episode; 0 once healthy
    restarts: int = 0  # since start
    last_error: str | None = None
    failed_at: float | None = None


@dataclass(frozen=True)
class TaskState:
    name: str
    state: str  # ok, down, done, stopped
    failures: int
    restarts: int
    last_error: str | None

    @property
    def down(self) -> bool:
        return self.state == "down"

    def as_dict(self) -> dict:
        return {"state": self.state, "failures": self.failures, "restarts": self.restarts, "last_error": self.last_error}


class Supervisor:
    def __init__(self, clock: Clock, report: Callable[[Iterable[Condition]], None] | None = None, *,
                 initial: float = 1.0, maximum: float = 60.0, healthy_after: float = 60.0,
                 rng: random.Random | None = None) -> None:
        self.clock = clock
        self.report = report
        self.initial = initial
        self.maximum = maximum
        self.healthy_after = healthy_after  # s an attempt must run before its failures are forgotten
        self._rng = rng or random.Random()
        self._tasks: dict[str, _Task] = {}

    def spawn(self, name: str, factory: Callable[[], Awaitable[None]]) -> asyncio.Task:
        return asyncio.create_task(self.run(name, factory), name=name)

    async def run(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        """Run `factory()` until it returns (done) or is cancelled; restart it after each exception."""
        task = self._tasks[name] = _Task(Backoff(self.initial, self.maximum, rng=self._rng))
        while True:
            task.state, task.started_at = "running", self.clock.monotonic()
            try:
                await factory()
            except asyncio.CancelledError:
                task.state = "stopped"
                raise
            except Exception as error:  # noqa: BLE001 - whatever it was: said, shown, alerted, restarted
                delay = self._failed(name, task, error)
            else:
                task.state = "done"
                return
            try:
                await self.clock.sleep(delay)
            except asyncio.CancelledError:
                task.state = "stopped"
                raise
            task.restarts += 1

    def _failed(self, name: str, task: _Task, error: Exception) -> float:
        self._settle(name, task)  # an attempt that ran long enough ended the last episode: start afresh
        task.state = "failed"
        task.failures += 1
        task.failed_at = self.clock.monotonic()
        task.last_error = _sentence(error)
        delay = task.backoff.next_delay()
        if task.failures == 1:  # once per episode, with the traceback; repeats only at debug level
            log.error("task %s failed: %s; restarting in %.1f s", name, task.last_error, delay, exc_info=error)
        else:
            log.debug("task %s failed again (%d in a row): %s; restarting in %.1f s", name, task.failures,
                      task.last_error, delay)
        if self.report is not None:
            self.report([self._condition(name, task)])
        return delay

    def _settle(self, name: str, task: _Task) -> None:
        """End the episode of a task that has been running `healthy_after` s since its last failure."""
        if task.failures and task.state == "running" and self.clock.monotonic() - task.started_at >= self.healthy_after:
            log.warning("task %s is healthy again (running %.0f s after %d failure(s))", name,
                        self.clock.monotonic() - task.started_at, task.failures)
            task.failures = 0
            task.backoff.reset()

    def state(self, name: str) -> TaskState | None:
        task = self._tasks.get(name)
        if task is None:
            return None
        self._settle(name, task)
        shown = "down" if task.failures else {"running": "ok", "starting": "ok"}.get(task.state, task.state)
        return TaskState(name, shown, task.failures, task.restarts, task.last_error)

    def health(self) -> dict[str, dict]:
        """Task name -> its state, failures (this episode), restarts (since start), last error."""
        return {name: state.as_dict() for name in list(self._tasks) if (state := self.state(name))}

    def down(self, *names: str) -> TaskState | None:
        """The first of `names` that is down (a sink asks about its own tasks), or None."""
        return next((s for n in names if (s := self.state(n)) is not None and s.down), None)

    def conditions(self) -> list[Condition]:
        """One `task_failed` Condition per task, active while it is down: evaluated periodically, so the alert
        clears once the task has been healthy for a while."""
        found = []
        for name, task in list(self._tasks.items()):
            self._settle(name, task)
            found.append(self._condition(name, task))
        return found

    @staticmethod
    def _condition(name: str, task: _Task) -> Condition:
        return Condition(TASK_FAILED, name, task.failures > 0, "critical",
                         f"task {name} failed ({task.last_error}); restarted {task.restarts} time(s)",
                         {"error": task.last_error or "", "failures": task.failures})


def _sentence(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]], *, tries: int = 10) -> list[asyncio.Task[Any]]:
    """Cancel `tasks` and wait until they end, cancelling again every RECANCEL_S: Python 3.11's asyncio.timeout
    can swallow a cancel that lands just as its block completes, and the task runs on (seen: `solarctl run` that
    never exited on SIGTERM, its MQTT sink waiting for a connection task cancelled while it connected). The tasks
    still running after `tries` rounds are returned, for the caller to name."""
    every = list(tasks)
    pending = {task for task in every if not task.done()}
    for _ in range(tries):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_S)
    for task in every:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: a task that failed on its way out was logged by the supervisor
    return list(pending)
