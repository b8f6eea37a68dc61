"""Health as Conditions: a device with no good poll for `lost_after` seconds is lost (back when it polls again);
an output (sink) not delivering for `down_after` seconds is down; failed and refused writes."""

from __future__ import annotations

from typing import Mapping

from solarctl.alerts.model import Condition


def device_lost(last_good: Mapping[str, float | None], now: float, since: float, lost_after: float) -> list[Condition]:
    """One Condition per device: `last_good` its last good poll (None if never, counted from `since`, the start)."""
    found = []
    for device, at in last_good.items():
        quiet = now - (since if at is None else at)
        found.append(Condition("device_lost", device, quiet > lost_after, "critical",
                               f"{device}: no good poll for {quiet:.0f} s (limit {lost_after:g} s)", {"quiet_s": round(quiet, 1)}))
    return found


def write_outcome(device: str, setting: str, outcome: str, reason: str) -> list[Condition]:
    """A safe-write outcome as Conditions of its device: a failed / refused write raises one, any other outcome
    counts as an evaluation that found neither."""
    # The reason goes in the values, not the message: the safe-write layer's caller logs it already.
    return [Condition("write_failed", device, outcome == "failed", "critical", f"{device}.{setting}: a write failed",
                      {"setting": setting, "reason": reason}),
            Condition("write_refused", device, outcome == "rejected", "warning", f"{device}.{setting}: a write was refused",
                      {"setting": setting, "reason": reason})]


SINK_UP = ("ok", "stopped")  # every other state (spooling, down, open, trial, failing, disconnected) is not delivering


def sink_down(name: str, status: Mapping[str, object], bad_for: float | None, down_after: float) -> Condition:
    """A sink's Condition: active once it has not been delivering for `down_after` s (`bad_for`: how long so far,
    None while it delivers)."""
    active = bad_for is not None and bad_for >= down_after
    return Condition("sink_down", f"sink:{name}", active, "critical",
                     f"output {name} is {status.get('state')} for {bad_for or 0:.0f} s: {status.get('last_error')}",
                     {"state": str(status.get("state")), "error": str(status.get("last_error") or "")})
