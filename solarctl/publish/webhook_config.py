"""A `[[webhook]]` table: alerts posted to any HTTP endpoint (e.g. the old scripts' relay
`reg_event.php?tag=…&host=…` with a form field `event`). Kept light: every config load imports it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from solarctl.alerts.model import AlertState
from solarctl.strict_model import StrictModel

TEMPLATE_FIELDS = ("id", "kind", "severity", "device", "message", "state", "count")


class WebhookConfig(StrictModel):
    name: str = "webhook"
    url: str  # query parameters included, e.g. https://relay.example/reg_event.php?tag=solar&host=shed
    method: Literal["POST", "PUT"] = "POST"
    body: Literal["form", "json"] = "form"
    field: str = "event"  # the form / JSON field that carries the text
    template: str = "{severity}: {message}"  # fields: id, kind, severity, device, message, state, count
    states: list[AlertState] = Field(default_factory=lambda: ["active", "cleared"])  # which changes are sent
    timeout: Annotated[float, Field(gt=0)] = 10.0

    @field_validator("template")
    @classmethod
    def _known_fields(cls, template: str) -> str:
        try:
            template.format(**{name: "" for name in TEMPLATE_FIELDS})
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"template {template!r} uses an unknown field ({error}); "
                             f"use {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}") from None
        return template
