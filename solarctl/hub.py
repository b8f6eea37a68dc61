"""The state hub: latest values per device, and pub/sub of new samples, errors and alert events.

Two ways to consume events, neither of which can stall polling:
- `subscribe()`: a pull queue of its own, bounded; a slow subscriber loses its oldest items.
- `attach(sink)`: the hub calls `sink.submit(event)` for every event; submit must not block
  (sinks in solarctl.publish queue the event and return).
Every loss is counted (`drops()`) and logged once per episode: when it starts and, with the count, when it ends.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol, Union

from solarctl.alert_types import AlertEvent
from solarctl.sample import PollError, Sample, Value

log = logging.getLogger(__name__)

Event = Union[Sample, PollError, AlertEvent]  # an AlertEvent changes no device state: it is only passed on


@dataclass
class DeviceState:
    """What the hub knows about one device."""

    name: str
    values: dict[str, Value] = field(default_factory=dict)  # last good value per metric
    value_times: dict[str, float] = field(default_factory=dict)  # when each was read
    units: dict[str, str] = field(default_factory=dict)
    alarms: tuple[str, ...] = ()
    last_sample_at: float | None = None
    error: str | None = None  # set while the latest poll failed
    error_at: float | None = None

    @property
    def ok(self) -> bool:
        """The latest poll succeeded (how current that is: `solarctl.read_model`)."""
        return self.last_sample_at is not None and self.error is None

    def apply(self, event: Sample | PollError) -> None:
        """Take in one poll's outcome: a sample's values merge into the last good ones; an error keeps them."""
        if isinstance(event, Sample):
            self.values.update(event.values)
            self.value_times.update(dict.fromkeys(event.values, event.timestamp))
            self.units.update(event.units)
            self.alarms = event.alarms
            self.last_sample_at = event.timestamp
            self.error = None
            self.error_at = None
        else:
            self.error = event.reason
            self.error_at = event.timestamp


class DropLog:
    """Counts events lost by one consumer; logs the first loss of an episode, and the episode's count when it ends."""

    def __init__(self, what: str, logger: logging.Logger = log) -> None:
        self.what = what
        self.log = logger
        self.total = 0  # events lost since start
        self.episode = 0  # of those, lost since the consumer last caught up

    def lost(self, count: int = 1, why: str = "its queue is full") -> None:
        if count <= 0:
            return
        if not self.episode:
            self.log.warning("%s: %s; dropping events until it catches up", self.what, why)
        self.episode += count
        self.total += count

    def caught_up(self) -> None:
        if self.episode:
            self.log.warning("%s: caught up; %d event(s) were lost", self.what, self.episode)
            self.episode = 0


class Receiver(Protocol):
    """What `StateHub.attach` needs: a name and a submit that never blocks."""

    name: str

    def submit(self, event: Event) -> None: ...


class Subscription:
    def __init__(self, hub: "StateHub", maxsize: int, name: str) -> None:
        self._hub = hub
        self.name = name
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.drops = DropLog(f"hub subscriber {name}")

    @property
    def dropped(self) -> int:
        return self.drops.total

    def _offer(self, event: Event) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.drops.lost()
        self.queue.put_nowait(event)

    async def get(self) -> Event:
        event = await self.queue.get()
        if self.queue.empty():
            self.drops.caught_up()
        return event

    def close(self) -> None:
        self._hub._subscribers.discard(self)


class StateHub:
    def __init__(self) -> None:
        self.devices: dict[str, DeviceState] = {}
        self._subscribers: set[Subscription] = set()
        self._sinks: dict[Receiver, DropLog] = {}

    def subscribe(self, maxsize: int = 1000, name: str = "subscriber") -> Subscription:
        sub = Subscription(self, maxsize, name)
        self._subscribers.add(sub)
        return sub

    def attach(self, sink: Receiver) -> None:
        """Hand every event from now on to `sink.submit`, in the publisher's call (so nothing queues in between)."""
        self._sinks[sink] = DropLog(f"sink {sink.name}")

    def detach(self, sink: Receiver) -> None:
        self._sinks.pop(sink, None)

    def drops(self) -> dict[str, dict[str, int]]:
        """Events lost so far: {"subscribers": {name: n}, "sinks": {name: n}} (a sink's own queue counts its own drops)."""
        subscribers: dict[str, int] = {}
        for sub in self._subscribers:
            subscribers[sub.name] = subscribers.get(sub.name, 0) + sub.dropped
        return {"subscribers": subscribers, "sinks": {sink.name: lost.total for sink, lost in self._sinks.items()}}

    def state(self, device: str) -> DeviceState:
        return self.devices.setdefault(device, DeviceState(device))

    def publish(self, event: Event) -> None:
        if isinstance(event, (Sample, PollError)):
            self.state(event.device).apply(event)
        for sub in list(self._subscribers):
            sub._offer(event)
        for sink, drops in list(self._sinks.items()):
            try:
                sink.submit(event)
            except Exception as error:  # a sink's bug must not reach the poller: the event is lost for that sink only
                drops.lost(why=f"submit failed ({type(error).__name__}: {error})")
            else:
                drops.caught_up()
