"""A SinkRunner fed only alert events: the hub hands every sink every sample too, which an alert channel
(Telegram, a webhook) has no use for and which must not push an alert out of its queue."""

from __future__ import annotations

from solarctl.alerts.model import AlertEvent
from solarctl.hub import Event
from solarctl.publish.runner import SinkRunner


class AlertSinkRunner(SinkRunner):
    def submit(self, event: Event) -> None:
        if isinstance(event, AlertEvent):
            super().submit(event)
