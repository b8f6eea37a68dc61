"""The SQL store as a sink: fed directly, because its own submit never blocks and its inbox and disk spool
lose nothing at any rate the disk can journal (a small lossy queue in front would)."""

from __future__ import annotations

from solarctl.hub import Event
from solarctl.publish.sink import SinkStatus
from solarctl.store.store import SampleStore


class StoreSink:
    name = "store"

    def __init__(self, store: SampleStore) -> None:
        self.store = store

    async def start(self) -> None:
        await self.store.start()

    def submit(self, event: Event) -> None:
        self.store.submit(event)

    async def stop(self) -> None:
        await self.store.stop()  # journals what is queued; what the database does not take waits in the spool

    def status(self) -> SinkStatus:
        s = self.store.status
        state = "stopped" if not self.store.running else ("spooling" if s.error else "ok")
        return SinkStatus(state, s.queued, s.dropped, s.written, 1 if s.error else 0, s.error,
                          {"spooled_bytes": s.spooled_bytes, "database": self.store.where})
