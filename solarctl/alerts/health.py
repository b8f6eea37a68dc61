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


def write_outcome(device: str, setting: str, outcome: str, reason: str, source: str) -> list[Condition]:
    """A safe-write outcome as Conditions of its setting (`DEVICE.SETTING`, so two settings are two alerts): a
    failed write raises one whoever asked (the device did not take it); a refused one only when an automatic
    source asked (a strategy, or a restore it left): a person's typo (Telegram, MQTT, web, CLI, command file) is
    answered to that person and audited, never broadcast. Any other outcome counts as an evaluation that found
    neither."""
    # The reason goes in the values, not the message: the safe-write layer's caller logs it already.
    target = f"{device}.{setting}"
    found = [Condition("write_failed", target, outcome == "failed", "critical", f"{target}: a write failed",
                       {"setting": setting, "reason": reason})]
    if source.startswith("strategy:") or outcome != "rejected":
        found.append(Condition("write_refused", target, outcome == "rejected", "warning", f"{target}: a write was refused",
                               {"setting": setting, "reason": reason}))
    return found

SINK_UP = ("ok", "stopped")  # every other state (spooling, down, open, trial, failing, disconnected) is not delivering


def sink_down(name: str, status: Mapping[str, object], bad_for: float | None, down_after: float) -> Condition:
    """A sink's Condition: active once it has not been delivering for `down_after` s (`bad_for`: how long so far,
    None while it delivers)."""
    active = bad_for is not None and bad_for >= down_after
    return Condition("sink_down", f"sink:{name}", active, "critical",
                     f"output {name} is {status.get('state')} for {bad_for or 0:.0f} s: {status.get('last_error')}",
                     {"state": str(status.get("state")), "error": str(status.get("last_error") or "")})
