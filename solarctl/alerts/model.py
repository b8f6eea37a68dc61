"""Alerts: what a check finds each time it looks (a Condition), and what a person is told (an AlertEvent).

Checks (strategies, poll health, the safe-write layer, plausibility checks) report Conditions every time
they evaluate, active or not; they keep no memory of what they reported before. The alert manager turns
them into events: a condition that stays true is one event (count and last_seen grow), it clears only
after a release hysteresis, and it re-arms only after clearing.
"""

from __future__ import annotations

from solarctl.alert_types import AlertEvent, AlertState, Condition, Severity

__all__ = ["AlertEvent", "AlertState", "Condition", "Severity"]  # defined in a leaf module, below the hub
