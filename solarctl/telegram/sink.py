"""Alert events to the configured chats, each (alert, state) once per chat, also across restarts.

A condition that flaps within its release hysteresis stays one alert (the alert manager's episode), so
its repeated `active` events say nothing new; a clear and a new episode (new id) do. The alert manager's status report comes the same way, as a one-off
event (cleared as it is raised).
"""

from __future__ import annotations

from solarctl.alerts.model import AlertEvent
from solarctl.clock import Clock
from solarctl.hub import Event
from solarctl.publish.alert_runner import AlertSinkRunner
from solarctl.telegram.bot_api import BotApi
from solarctl.telegram.sent import SentRecord

TOLD = ("active", "cleared", "acknowledged")
MARK = {"critical": "\u203c\ufe0f", "warning": "\u26a0\ufe0f", "info": "\u2139\ufe0f"}


def alert_text(event: AlertEvent) -> str:
    where = f", {event.device}" if event.device else ""
    if event.state == "cleared" and event.cleared_at == event.first_seen:  # a one-off (the status report)
        return f"{MARK[event.severity]} {event.message}"
    if event.state == "active":
        return f"{MARK[event.severity]} {event.message} (alert {event.id}{where}; /ack {event.id})"
    return f"\u2705 {event.state}: {event.message} (alert {event.id}{where})"


class TelegramAlerts:
    """A SinkRunner Handler: raises when a chat could not be told, so the batch is offered again."""

    def __init__(self, api: BotApi, chat_ids: list[int], sent: SentRecord) -> None:
        self.api = api
        self.chat_ids = chat_ids
        self.sent = sent

    async def open(self) -> None:
        pass

    async def deliver(self, events: list[Event]) -> None:
        for event in events:
            if not isinstance(event, AlertEvent) or event.state not in TOLD:
                continue
            for chat_id in self.chat_ids:
                key = f"{chat_id}:{SentRecord.key(event.id, event.state)}"
                if key not in self.sent:
                    await self.api.send(chat_id, alert_text(event))
                    self.sent.add(key)

    async def close(self) -> None:
        await self.api.close()


def telegram_sink(api: BotApi, chat_ids: list[int], sent: SentRecord, clock: Clock) -> AlertSinkRunner:
    return AlertSinkRunner("telegram", TelegramAlerts(api, chat_ids, sent), clock, queue_limit=1000, batch_size=50,
                           call_timeout=120.0)
