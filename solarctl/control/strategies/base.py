"""What every strategy is: a pure step from a view of the latest samples to proposed setting changes
and the conditions it found (alerts/model.py: the runner hands them to the alert manager).

A strategy does no I/O, never sleeps and reads no clock but the `now` it is given; it may keep small
state between steps. Whoever runs it (control/runner.py in the daemon, control/offline.py against a
plant model) builds the view, calls `decide` every `interval` and carries the proposals out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable, Mapping, NamedTuple, Union

from solarctl.alerts.model import Condition
from solarctl.control.strategies.view import View
from solarctl.sample import Value


class Proposal(NamedTuple):
    device: str
    setting: str
    value: Value
    reason: str  # why, for the log and the audit trail


Step = Union[Proposal, Condition]  # what `decide` returns: settings wanted, and what the checks found


def split(steps: Iterable[Step]) -> tuple[list[Proposal], list[Condition]]:
    """A step's output as (proposals, conditions)."""
    found: tuple[list[Proposal], list[Condition]] = ([], [])
    for step in steps:
        found[isinstance(step, Condition)].append(step)
    return found


def in_place(view: View, proposal: Proposal) -> bool:
    """The view already shows the proposed value (from a successful poll): nothing to do, not even a read."""
    return view.setting(proposal.device, proposal.setting) == proposal.value


def proposals(device: str, settings: Mapping[str, Value], reason: str) -> list[Proposal]:
    return [Proposal(device, setting, value, reason) for setting, value in settings.items()]


class Strategy(ABC):
    def __init__(self, config, drivers: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.drivers = dict(drivers or {})  # device name -> driver name, for strategies that find devices by role

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def interval(self) -> float:
        """Seconds between two `decide` calls."""
        return self.config.interval

    def start_proposals(self) -> list[Proposal]:
        """Settings to put in place when this strategy takes charge."""
        return []

    @abstractmethod
    def decide(self, view: View, now: float) -> list[Step]:
        """The setting changes this step wants and the conditions its checks found (possibly none)."""

    def stop_proposals(self) -> list[Proposal]:
        """Settings to restore when it stops, on every way out (e.g. safe defaults)."""
        return []
