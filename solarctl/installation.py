"""A configured site: its links, devices and pollers, built from the config."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from solarctl.bus.link import Link
from solarctl.clock import Clock
from solarctl.devices.base import Device
from solarctl.devices.registry import make_device
from solarctl.hub import StateHub
from solarctl.devices.config import DeviceTables, link_key
from solarctl.errors import ConfigError
from solarctl.links import shared_link
from solarctl.polling import Poller
from solarctl.sample import PollError, Sample


class Installation:
    def __init__(self, config: DeviceTables, clock: Clock, hub: StateHub | None = None) -> None:
        self.config = config
        self.clock = clock
        self.hub = hub or StateHub()
        enabled = [d for d in config.device if d.enabled]
        by_link: dict[tuple, list] = defaultdict(list)
        for dev in enabled:
            by_link[link_key(dev)].append(dev)
        self.devices: dict[str, Device] = {d.name: make_device(d) for d in enabled}
        self.links: dict[tuple, Link] = {
            key: shared_link(devs, [self.devices[d.name] for d in devs], clock) for key, devs in by_link.items()
        }
        self._link_of: dict[str, Link] = {d.name: self.links[link_key(d)] for d in enabled}
        self.pollers = [
            Poller(self.links[key], [self.devices[d.name] for d in devs], clock, self.hub.publish)
            for key, devs in by_link.items()
        ]
        self._poller_of = {name: p for p in self.pollers for name in (d.name for d in p.devices)}

    def link(self, device: str) -> Link:
        return self._link_of[device]

    def device(self, name: str) -> Device:
        try:
            return self.devices[name]
        except KeyError:
            raise ConfigError(f"no device named {name!r}; configured devices: {', '.join(self.devices) or 'none'}") from None

    async def poll_once(self) -> dict[str, Sample | PollError]:
        """Every device once, all groups; links in parallel, devices on one link in turn."""
        async def one_link(poller: Poller) -> list:
            return [await poller.poll(d, everything=True) for d in poller.devices]

        results = await asyncio.gather(*(one_link(p) for p in self.pollers))
        return {r.device: r for group in results for r in group}

    async def close(self) -> None:
        for link in self.links.values():
            await link.close()
