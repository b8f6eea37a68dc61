"""The bot's answers to /status and /mode (and the scheduled report), through the daemon's `Facade`."""

from __future__ import annotations

from solarctl.devices import registry
from solarctl.facade import Facade


def status_text(daemon: Facade) -> str:
    """Each device's status word (fresh, stale, failed, never) as the page, the control API and MQTT give it, then
    why its values are not current (the read model's words) or, while fresh, the values that have a meaning
    (battery SoC, PV power …)."""
    lines = []
    for name in daemon.devices():
        status = daemon.status(name)
        if status.fresh:
            description = registry.describe(daemon.config.device_named(name).driver)
            shown = [f"{m.name} {status.values[m.name]:g}{' ' + m.unit if m.unit else ''}"
                     for m in (description.metrics if description else ())
                     if m.role is not None and isinstance(status.values.get(m.name), (int, float))]
            detail = ", ".join(shown)
        else:
            detail = status.reason or ""
        lines.append(f"{name}: {status.status}" + (f" — {detail}" if detail else ""))
    return "\n".join(lines) or "No devices are configured."


def mode_text(daemon: Facade) -> str:
    control = daemon.config.control
    running = ", ".join(daemon.strategy_names()) or "none"
    return (f"Control: {'dry run (nothing is written)' if control.dry_run else 'live'}; strategies: {running}; "
            f"write budget {control.daily_write_budget} per register per day.")
