"""The bot's answers to /status and /mode (and the scheduled report), from the daemon's hub and control."""

from __future__ import annotations

from typing import TYPE_CHECKING

from solarctl.devices import registry
from solarctl.freshness import stale_after

if TYPE_CHECKING:
    from solarctl.daemon import Daemon


def status_text(daemon: "Daemon") -> str:
    """Each device: current or not, and the values that have a meaning (battery SoC, PV power …)."""
    now = daemon.clock.time()
    lines = []
    for device in daemon.config.device:
        state = daemon.hub.devices.get(device.name)
        if state is None or state.last_sample_at is None:
            lines.append(f"{device.name}: {state.error if state and state.error else 'not polled yet'}")
            continue
        if not state.fresh(now, stale_after(device)):
            lines.append(f"{device.name}: {state.error or 'no current values'} (last read {now - state.last_sample_at:.0f} s ago)")
            continue
        shown = [f"{m.name} {state.values[m.name]:g}{' ' + m.unit if m.unit else ''}"
                 for m in registry.describe(device.driver).metrics
                 if m.role is not None and isinstance(state.values.get(m.name), (int, float))]
        lines.append(f"{device.name}: ok" + (f" — {', '.join(shown)}" if shown else ""))
    return "\n".join(lines) or "No devices are configured."


def mode_text(daemon: "Daemon") -> str:
    control = daemon.config.control
    running = ", ".join(s.config.name for s in daemon.strategies) or "none"
    return (f"Control: {'dry run (nothing is written)' if control.dry_run else 'live'}; strategies: {running}; "
            f"write budget {control.daily_write_budget} per register per day.")
