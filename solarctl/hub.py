"""The state hub: latest values per device, and pub/sub of new samples and errors.

Subscribers get their own bounded queue; a slow subscriber loses its oldest items
(and is told how many) instead of stalling polling or the other subscribers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Union

from solarctl.sample import PollError, Sample, Value

log = logging.getLogger(__name__)

Event = Union[Sample, PollError]


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
        return self.last_sample_at is not None and self.error is None

    def fresh(self, now: float, max_age: float) -> bool:
        """True if the latest poll succeeded and is at most `max_age` seconds old."""
        return self.ok and self.last_sample_at is not None and now - self.last_sample_at <= max_age


class Subscription:
    def __init__(self, hub: "StateHub", maxsize: int) -> None:
        self._hub = hub
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.dropped = 0

    def _offer(self, event: Event) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self) -> Event:
        return await self.queue.get()

    def close(self) -> None:
        self._hub._subscribers.discard(self)


class StateHub:
    def __init__(self) -> None:
        self.devices: dict[str, DeviceState] = {}
        self._subscribers: set[Subscription] = set()

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        sub = Subscription(self, maxsize)
        self._subscribers.add(sub)
        return sub

    def state(self, device: str) -> DeviceState:
        return self.devices.setdefault(device, DeviceState(device))

    def publish(self, event: Event) -> None:
        state = self.state(event.device)
        if isinstance(event, Sample):
            state.values.update(event.values)
            state.value_times.update(dict.fromkeys(event.values, event.timestamp))
            state.units.update(event.units)
            state.alarms = event.alarms
            state.last_sample_at = event.timestamp
            state.error = None
            state.error_at = None
        else:
            state.error = event.reason
            state.error_at = event.timestamp
        for sub in list(self._subscribers):
            sub._offer(event)
