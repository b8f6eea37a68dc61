"""What the control layer needs of a site: its devices by name and the link each one talks over.

`Installation` satisfies it; so can anything else that owns devices and links (a test, a control
API), without the control layer importing how a site is built and polled.
"""

from __future__ import annotations

from typing import Mapping, Protocol

from solarctl.bus.link import Link
from solarctl.devices.base import Device


class DeviceAccess(Protocol):
    @property
    def devices(self) -> Mapping[str, Device]:
        """Every configured device by name (`.get(name)` is None for a name not configured)."""

    def link(self, device: str) -> Link:
        """The link the named device talks over."""
