"""The one protocol every sink speaks, and the status it reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from solarctl.hub import Event
from solarctl.supervisor import Supervisor


@dataclass(frozen=True)
class SinkStatus:
    state: str  # "ok"; "failing" (below the breaker's threshold); "open" (not fed until a trial); "trial"; "stopped";
    # "down" (a task of the sink failed and waits for its restart); the store: "spooling"; MQTT: "disconnected"
    queued: int  # events accepted, not yet delivered
    dropped: int  # events lost since start (each loss is also logged once per episode)
    delivered: int  # events handed over successfully since start
    failures: int  # consecutive failed deliveries; 0 while working
    last_error: str | None  # the most recent failure, as a sentence
    extra: dict[str, Any] = field(default_factory=dict)  # figures of that kind of sink

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, the extra figures beside the common ones."""
        common = asdict(self)
        return {**{k: v for k, v in common.items() if k != "extra"}, **self.extra}


class Sink(Protocol):
    name: str

    async def start(self, supervisor: Supervisor | None = None) -> None:
        """Start its tasks under `supervisor` (the daemon's: a failed task shows in its health, raises an alert and
        is restarted); a sink started alone makes its own."""

    def submit(self, event: Event) -> None:
        """Take one Sample or PollError; returns at once, never raises."""

    async def stop(self) -> None:
        """Hand over what is queued within a bounded time, then release everything."""

    def status(self) -> SinkStatus: ...
