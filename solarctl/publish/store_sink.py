"""The SQL store as a sink: fed directly, because its own submit never blocks and its inbox and disk spool
lose nothing at any rate the disk can journal (a small lossy queue in front would)."""

from __future__ import annotations

from solarctl.hub import Event
from solarctl.publish.sink import SinkStatus
from solarctl.store.store import SampleStore
from solarctl.supervisor import Supervisor


class StoreSink:
    name = "store"

    def __init__(self, store: SampleStore) -> None:
        self.store = store

    async def start(self, supervisor: Supervisor | None = None) -> None:
        await self.store.start(supervisor)

    def submit(self, event: Event) -> None:
        self.store.submit(event)

    async def stop(self) -> None:
        await self.store.stop()  # journals what is queued; what the database does not take waits in the spool

    def status(self) -> SinkStatus:
        s = self.store.status
        # down: a task of its own failed (restarting) or its spool disk refuses writes; spooling: the database is away
        if not self.store.running:
            state, error, failures = "stopped", s.error, 0
        elif s.task_down is not None:
            state, error, failures = "down", f"task {s.task_down.name}: {s.task_down.last_error}", s.task_down.failures
        elif s.spool_error is not None:
            state, error, failures = "down", f"the spool's disk: {s.spool_error}", 1
        else:
            state, error, failures = ("spooling", s.error, 1) if s.error else ("ok", None, 0)
        return SinkStatus(state, s.queued, s.dropped, s.written, failures, error,
                          {"spooled_bytes": s.spooled_bytes, "database": self.store.where})
