"""SinkRunner: turns a Handler (the code that talks to one outside system) into a Sink.

The runner owns what every such sink needs and none should write again: a bounded queue (the oldest
events go first when it is full, counted and logged once per episode), batching, a time limit per
call, and a circuit breaker. Handlers only say how to deliver a batch; they raise when they cannot.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Protocol

from solarctl.clock import Clock, SystemClock
from solarctl.hub import DropLog, Event
from solarctl.publish.breaker import CircuitBreaker
from solarctl.publish.sink import SinkStatus
from solarctl.supervisor import Supervisor, cancel_and_wait

log = logging.getLogger(__name__)


class Handler(Protocol):
    async def open(self) -> None:
        """Quick set-up without network round trips (those belong in deliver, under the time limit)."""

    async def deliver(self, events: list[Event]) -> None:
        """Hand over a batch, oldest first; raise if it did not get through (the batch is offered again)."""

    async def close(self) -> None: ...


class SinkRunner:
    def __init__(self, name: str, handler: Handler, clock: Clock | None = None, *, queue_limit: int = 10_000,
                 batch_size: int = 1000, batch_interval: float = 0.0, call_timeout: float = 10.0,
                 breaker: CircuitBreaker | None = None) -> None:
        self.name = name
        self.handler = handler
        self.clock = clock or SystemClock()
        self.queue_limit = queue_limit
        self.batch_size = batch_size
        self.batch_interval = batch_interval  # s to let a batch gather before delivering it
        self.call_timeout = call_timeout
        self.breaker = breaker or CircuitBreaker()
        self.drops = DropLog(f"sink {name}", log)
        self.delivered = 0
        self._queue: deque[Event] = deque()
        self._in_flight: list[Event] = []
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.supervisor: Supervisor | None = None

    async def start(self, supervisor: Supervisor | None = None) -> None:
        await self.handler.open()
        self.supervisor = supervisor or Supervisor(self.clock)
        self._task = self.supervisor.spawn(f"sink {self.name}", self._run)

    def submit(self, event: Event) -> None:
        self._queue.append(event)
        self._trim()
        self._ready.set()

    async def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is queued within `timeout` (unless the circuit is open), then close the handler."""
        if self._task is None:
            return
        if await cancel_and_wait([self._task]):
            log.error("%s: its delivery task did not end on the way out", self.name)
        self._task = None
        self._queue.extendleft(reversed(self._in_flight))
        self._in_flight = []
        try:
            async with asyncio.timeout(timeout):
                while self._queue and self.breaker.state != "open":
                    await self._deliver_next()
        except TimeoutError:
            pass
        if self._queue:
            log.warning("sink %s: %d event(s) not delivered at stop", self.name, len(self._queue))
            self.drops.total += len(self._queue)
            self._queue.clear()
        try:
            async with asyncio.timeout(timeout):
                await self.handler.close()
        except TimeoutError:
            log.warning("sink %s: closing took longer than %g s; left behind", self.name, timeout)
        except Exception as error:  # closing is best effort on the way out
            log.warning("sink %s: close failed: %s", self.name, _sentence(error))

    def status(self) -> SinkStatus:
        b = self.breaker
        state = "stopped" if self._task is None else ("failing" if b.state == "closed" and b.failures else
                                                      {"closed": "ok"}.get(b.state, b.state))
        failures, error = b.failures, b.last_error
        if self._task is not None and self.supervisor is not None and (down := self.supervisor.down(f"sink {self.name}")):
            state, failures, error = "down", down.failures, f"task {down.name}: {down.last_error}"
        return SinkStatus(state, len(self._queue) + len(self._in_flight), self.drops.total, self.delivered,
                          failures, error)

    # --- the delivery loop -------------------------------------------------------------------------

    async def _run(self) -> None:
        if self._in_flight:  # a failed attempt's batch: offered again first
            self._queue.extendleft(reversed(self._in_flight))
            self._in_flight = []
        if self._queue:  # a restart: what waits goes without waiting for the next event
            self._ready.set()
        while True:
            await self._ready.wait()
            if self.batch_interval:
                await self.clock.sleep(self.batch_interval)
            self._ready.clear()
            while self._queue:
                pause = await self._deliver_next()
                if pause is not None:
                    await self.clock.sleep(pause)  # open: not fed until the trial
                    self.breaker.trial()

    async def _deliver_next(self) -> float | None:
        """Deliver one batch; returns how long the circuit stays open after a failure that opened it."""
        self._in_flight = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
        error, hung = await self._call(self._in_flight)
        if error is None:
            self.delivered += len(self._in_flight)
            self._in_flight = []
            if ended := self.breaker.succeeded():
                log.warning("sink %s: working again after %d failed attempt(s)", self.name, ended)
            if not self._queue:
                self.drops.caught_up()
            return None
        self._queue.extendleft(reversed(self._in_flight))  # offered again, oldest first
        self._in_flight = []
        self._trim()
        was = self.breaker.state
        pause = self.breaker.failed(error, trip=hung)
        if pause is not None and was == "closed":  # the start of an outage: said once, trials stay quiet
            log.error("sink %s: %s; not fed for %.1f s, then one trial", self.name, error, pause)
        else:
            log.debug("sink %s: %s", self.name, error)
        return pause

    async def _call(self, batch: list[Event]) -> tuple[str | None, bool]:
        """(error sentence or None, whether the time limit was hit)."""
        # The handler runs as its own task: one that ignores the cancel is left behind instead of hanging us.
        call = asyncio.ensure_future(self.handler.deliver(batch))
        try:
            async with asyncio.timeout(self.call_timeout):
                await asyncio.shield(call)
            return None, False
        except TimeoutError:
            return f"a delivery took longer than {self.call_timeout:g} s", True
        except Exception as error:  # whatever the handler raised: the sink's problem, never the caller's
            return _sentence(error), False
        finally:
            if not call.done():
                call.cancel()
                call.add_done_callback(_forget)

    def _trim(self) -> None:
        # The oldest waiting events go; a batch in flight stays whole.
        excess = min(len(self._queue), len(self._queue) + len(self._in_flight) - self.queue_limit)
        if excess > 0:
            for _ in range(excess):
                self._queue.popleft()
            self.drops.lost(excess)


def _sentence(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _forget(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved
