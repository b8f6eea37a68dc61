"""The `[[webhook]]` channel: each alert change as one HTTP request carrying a text made from a template,
as a form or JSON field (the old scripts' relay: POST form `event=<text>` to `reg_event.php?tag=…&host=…`)."""

from __future__ import annotations

import asyncio

import httpx

from solarctl.alerts.model import AlertEvent
from solarctl.clock import Clock
from solarctl.hub import Event
from solarctl.publish.alert_runner import AlertSinkRunner
from solarctl.publish.webhook_config import WebhookConfig


def webhook_text(config: WebhookConfig, event: AlertEvent) -> str:
    return config.template.format(id=event.id, kind=event.kind, severity=event.severity, device=event.device or "",
                                  message=event.message, state=event.state, count=event.count)


class WebhookHandler:
    """A SinkRunner Handler: a non-2xx answer raises, so the runner offers the batch again (and its breaker
    stops feeding a relay that keeps failing)."""

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self._client = httpx.AsyncClient()

    async def deliver(self, events: list[Event]) -> None:
        assert self._client is not None
        for event in events:
            if not isinstance(event, AlertEvent) or event.state not in self.config.states:
                continue
            payload = {self.config.field: webhook_text(self.config, event)}
            body = {"data": payload} if self.config.body == "form" else {"json": payload}
            async with asyncio.timeout(self.config.timeout):
                answer = await self._client.request(self.config.method, self.config.url, **body)
            answer.raise_for_status()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def webhook_sink(config: WebhookConfig, clock: Clock) -> AlertSinkRunner:
    return AlertSinkRunner(f"webhook:{config.name}", WebhookHandler(config), clock, queue_limit=1000, batch_size=20,
                           call_timeout=4 * config.timeout)
