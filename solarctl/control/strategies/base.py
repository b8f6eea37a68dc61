"""What every strategy is: a pure step from a view of the latest samples to proposed setting changes
and the conditions it found (alerts/model.py: the runner hands them to the alert manager).

A strategy does no I/O, never sleeps and reads no clock but the `now` it is given; it may keep small
state between steps. Whoever runs it (control/runner.py in the daemon, control/offline.py against a
plant model) builds the view, calls `decide` every `interval` and carries the proposals out.
`decide` may also return alert `Condition`s (what it found, active or not), for the runner to report.
State a strategy must keep across a restart (a counter) goes through `state()` / `load_state()`; the runner
persists it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Awaitable, Callable, Mapping, NamedTuple, Sequence, Union

from solarctl.alerts.model import Condition
from solarctl.control.strategies.view import View
from solarctl.sample import Value


class Proposal(NamedTuple):
    device: str
    setting: str
    value: Value
    reason: str  # why, for the log and the audit trail
    restore: bool = False  # puts a safe (exit) setting back: may use the writer's restore reserve, kept until it lands


Decision = Union[Proposal, Condition]


def split(found: Sequence[Decision]) -> tuple[list[Proposal], list[Condition]]:
    """A step's result as (proposals to carry out, conditions to report)."""
    return [d for d in found if isinstance(d, Proposal)], [d for d in found if isinstance(d, Condition)]


def in_place(view: View, proposal: Proposal) -> bool:
    """The view already shows the proposed value (from a successful poll): nothing to do, not even a read."""
    return view.setting(proposal.device, proposal.setting) == proposal.value


def proposals(device: str, settings: Mapping[str, Value], reason: str, *, restore: bool = False) -> list[Proposal]:
    return [Proposal(device, setting, value, reason, restore) for setting, value in settings.items()]


class DataWatch:
    """How long a device has been without fresh data, counted from the first look when there never was any
    (a daemon that just started has not polled yet: that is not a loss until the limit has passed)."""

    def __init__(self) -> None:
        self.first_look: float | None = None

    def lost_for(self, view: View, device: str, max_age: float, now: float) -> float:
        self.first_look = now if self.first_look is None else self.first_look
        if view.fresh(device, max_age):
            return 0.0
        age = view.age(device)
        return now - self.first_look if age is None else age


class Strategy(ABC):
    def __init__(self, config: Any, drivers: Mapping[str, str] | None = None) -> None:  # config: its [[strategy]] table
        self.config = config
        self.drivers = dict(drivers or {})  # device name -> driver name, for strategies that find devices by role

    @property
    def name(self) -> str:
        name: str = self.config.name
        return name

    @property
    def interval(self) -> float:
        """Seconds between two `decide` calls."""
        interval: float = self.config.interval
        return interval

    def start_proposals(self) -> list[Proposal]:
        """Settings to put in place when this strategy takes charge."""
        return []

    @abstractmethod
    def decide(self, view: View, now: float) -> list[Decision]:
        """The setting changes this step wants (possibly none), and the conditions it found."""

    def stop_proposals(self) -> list[Proposal]:
        """Settings to restore when it stops, on every way out (e.g. safe defaults)."""
        return []

    def feed_services(self, clock: Any, data_dir: Any = None) -> dict[str, Callable[[], Awaitable[None]]]:
        """Long-running parts it needs beside its steps (the forecast strategy's price service), by name."""
        return {}

    def state(self) -> Any:
        """What must survive a restart (JSON-able); None if nothing."""
        return None

    def load_state(self, state: Any) -> None:
        """Take back what `state()` returned before a restart."""
