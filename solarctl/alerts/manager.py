"""The alert manager: Conditions in, one AlertEvent per episode out.

A condition found active opens an episode (a new event, published); while it stays active the same
event only grows (count, last_seen, latest message and values). It clears after its release hysteresis
(`ReleaseConfig`: inactive that many evaluations in a row and that long after it was last active), and only
then can the same (kind, device) open a new episode. Every change of state (raised, acknowledged,
cleared) is logged and handed to `publish` (the daemon: the hub, so sinks store and forward it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from solarctl.alerts.config import AlertsConfig
from solarctl.alerts.model import AlertEvent, Condition
from solarctl.clock import Clock

log = logging.getLogger("solarctl.alerts")

LEVEL = {"info": logging.INFO, "warning": logging.WARNING, "critical": logging.CRITICAL}


@dataclass
class _Episode:
    event: AlertEvent
    inactive: int = 0  # evaluations in a row that found it inactive


class AlertManager:
    def __init__(self, config: AlertsConfig, clock: Clock,
                 publish: Callable[[AlertEvent], None] = lambda event: None, *, next_id: int = 1) -> None:
        self.config = config
        self.clock = clock
        self.publish = publish
        self.next_id = next_id
        self._open: dict[tuple[str, str | None], _Episode] = {}  # episodes not yet cleared
        self.closed: list[AlertEvent] = []  # cleared this run, newest last (bounded)

    def restore(self, events: Iterable[AlertEvent], next_id: int) -> None:
        """Take back the episodes a previous run left open (active or acknowledged)."""
        for event in events:
            if event.state != "cleared":
                self._open[(event.kind, event.device)] = _Episode(event)
        self.next_id = max(self.next_id, next_id)

    def observe(self, condition: Condition) -> AlertEvent | None:
        """One evaluation of one check; returns the episode's event (None if there is none)."""
        now = self.clock.time()
        episode = self._open.get(condition.key)
        if condition.active:
            if episode is None:
                return self._raise(condition, now)
            event = episode.event
            episode.inactive = 0
            event.count += 1
            event.last_seen = now
            event.message, event.values = condition.message or event.message, dict(condition.values)
            return event
        if episode is None:
            return None
        episode.inactive += 1
        release = self.config.release_for(condition.kind)
        if episode.inactive >= release.evaluations and now - episode.event.last_seen >= release.seconds:
            return self._clear(episode, now)
        return episode.event

    def observe_all(self, conditions: Iterable[Condition]) -> None:
        for condition in conditions:
            self.observe(condition)

    def notify(self, condition: Condition) -> AlertEvent:
        """A one-off event (the status report): published once, already cleared, never an episode."""
        now = self.clock.time()
        event = AlertEvent(self.next_id, condition.kind, condition.severity, condition.device, condition.message,
                           dict(condition.values), first_seen=now, last_seen=now, count=1, state="cleared", cleared_at=now)
        self.next_id += 1
        self.closed = [*self.closed[-99:], event]
        log.log(LEVEL[event.severity], "alert %d %s: %s", event.id, event.kind, event.message)
        self.publish(replace(event))
        return event

    def acknowledge(self, alert_id: int) -> AlertEvent | None:
        """Mark an open alert as seen by a person; None if no open alert has this id."""
        episode = next((e for e in self._open.values() if e.event.id == alert_id), None)
        if episode is None:
            return None
        event = episode.event
        if event.state == "active":
            event.state, event.acknowledged_at = "acknowledged", self.clock.time()
            log.info("alert %d acknowledged: %s", event.id, event.message)
            self.publish(replace(event))
        return event

    def publish_open(self) -> None:
        """Publish every open episode as it stands now (count, last_seen): the daemon does on its way out, so
        what a restart reloads is current."""
        for episode in self._open.values():
            self.publish(replace(episode.event))

    def events(self, *, active_only: bool = False) -> list[AlertEvent]:
        """Open alerts (and, unless `active_only`, those cleared during this run), oldest first."""
        found = [e.event for e in self._open.values()] + ([] if active_only else self.closed)
        return sorted(found, key=lambda e: e.id)

    def _raise(self, condition: Condition, now: float) -> AlertEvent:
        event = AlertEvent(self.next_id, condition.kind, condition.severity, condition.device, condition.message,
                           dict(condition.values), first_seen=now, last_seen=now, count=1, state="active")
        self.next_id += 1
        self._open[condition.key] = _Episode(event)
        log.log(LEVEL[event.severity], "alert %d %s%s: %s", event.id, event.kind,
                f" ({event.device})" if event.device else "", event.message)
        self.publish(replace(event))  # a copy: later growth of this episode must not change what was published
        return event

    def _clear(self, episode: _Episode, now: float) -> AlertEvent:
        event = episode.event
        del self._open[(event.kind, event.device)]
        event.state, event.cleared_at = "cleared", now
        self.closed = [*self.closed[-99:], event]
        log.info("alert %d %s%s cleared", event.id, event.kind, f" ({event.device})" if event.device else "")
        self.publish(replace(event))
        return event
