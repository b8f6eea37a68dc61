"""What a check finds (Condition) and what a person is told (AlertEvent), in a leaf module of their own: the
strategies, the supervisor and the checks report conditions, the hub passes events on and the store keeps them,
all below the alerts folder, whose manager turns the one into the other (solarctl/alerts/model.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

from solarctl.sample import Value

Severity = Literal["info", "warning", "critical"]
AlertState = Literal["active", "cleared", "acknowledged"]


@dataclass(frozen=True)
class Condition:
    """One check's finding now. (kind, device) names the alert: the same pair is the same alert."""

    kind: str  # snake_case: cell_low, cell_high, current_high, bms_data_old, device_lost, write_failed, …
    device: str | None
    active: bool
    severity: Severity = "warning"
    message: str = ""  # one sentence for a person, with the values that matter
    values: Mapping[str, Value] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.kind, self.device)


@dataclass
class AlertEvent:
    """An alert as a person sees it; published to the hub on every change of state."""

    id: int
    kind: str
    severity: Severity
    device: str | None
    message: str
    values: dict[str, Value]
    first_seen: float
    last_seen: float
    count: int  # evaluations that found it active during this episode
    state: AlertState
    acknowledged_at: float | None = None
    cleared_at: float | None = None
