"""Polls the devices of one link, each when it is due.

A device that keeps failing backs off on its own schedule, so it costs the others little; a link
that is down fails every poll at once (no I/O) until its own backoff allows a reconnect.
Failures are published as PollError and logged once per outage, not once per poll.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Callable

from solarctl.bus.backoff import Backoff
from solarctl.bus.errors import LinkError
from solarctl.bus.link import Link
from solarctl.clock import Clock
from solarctl.errors import DecodeError
from solarctl.devices import registry
from solarctl.devices.base import Device
from solarctl.modbus.pdu import ModbusException
from solarctl.sample import PollError, Sample

log = logging.getLogger("solarctl.poll")

# Failures that mean "no trustworthy answer"; anything else is a driver bug, logged with a traceback.
EXPECTED_FAILURES = (LinkError, ModbusException, DecodeError, OSError)


@dataclass
class _Schedule:
    backoff: Backoff
    next_due: float = float("-inf")
    slow_due: float = float("-inf")
    once_done: bool = False


@dataclass
class Poller:
    link: Link
    devices: list[Device]
    clock: Clock
    publish: Callable[[Sample | PollError], None]
    _schedules: dict[str, _Schedule] = field(init=False)

    def __post_init__(self) -> None:
        self._schedules = {
            d.name: _Schedule(Backoff(initial=d.poll_interval, maximum=max(60.0, 10 * d.poll_interval)))
            for d in self.devices
        }

    async def run(self) -> None:
        """Poll forever (until cancelled)."""
        if not self.devices:
            return
        while True:
            device = min(self.devices, key=lambda d: self._schedules[d.name].next_due)
            await self.clock.sleep(self._schedules[device.name].next_due - self.clock.monotonic())
            await self.poll(device)

    async def poll(self, device: Device, *, everything: bool = False) -> Sample | PollError:
        """Poll one device now, publish and return the result. `everything` reads every group."""
        sched = self._schedules[device.name]
        now = self.clock.monotonic()
        groups = {"fast"}
        if everything or now >= sched.slow_due or device.settings_written:
            groups.add("slow")
            device.settings_written = False  # cleared before the read: a write during it asks for the next one too
        if everything or not sched.once_done:
            groups.add("once")
        timestamp = self.clock.time()
        try:
            reading = await device.read(self.link, frozenset(groups))
            if (description := registry.describe(device.driver)) is not None:
                description.metrics.check(reading.values)  # a value outside its physical range is a misread
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error state, never a crash
            return self._failed(device, sched, timestamp, exc)
        if device.health.consecutive_errors:
            log.info("%s: polling again after %d failed poll(s)", device.name, device.health.consecutive_errors)
        device.health.poll_ok(timestamp)
        sched.backoff.reset()
        if "slow" in groups:
            sched.slow_due = now + device.slow_interval
        sched.once_done = True
        sched.next_due = max(now + device.poll_interval, self.clock.monotonic())
        sample = Sample(device.name, timestamp, reading.values, device.units, reading.alarms)
        self.publish(sample)
        return sample

    def _failed(self, device: Device, sched: _Schedule, timestamp: float, exc: Exception) -> PollError:
        reason = str(exc) or type(exc).__name__
        device.health.poll_failed(timestamp, reason)
        if not isinstance(exc, EXPECTED_FAILURES):
            log.error("%s: driver error: %s", device.name, reason, exc_info=exc)
        elif device.health.consecutive_errors == 1:
            log.warning("%s: poll failed: %s", device.name, reason)
        else:
            log.debug("%s: poll failed again: %s", device.name, reason)
        sched.next_due = self.clock.monotonic() + sched.backoff.next_delay()
        error = PollError(device.name, timestamp, reason)
        self.publish(error)
        return error
