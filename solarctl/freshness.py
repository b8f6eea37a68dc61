"""When a device's latest values stop counting as current: shared by the control API and the publishers."""

from __future__ import annotations

from typing import Any


def stale_after(device_config: Any) -> float:
    """Age at which a device's latest values no longer count as current: three missed polls."""
    return 3 * device_config.poll_interval + device_config.timeout
