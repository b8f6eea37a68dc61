"""A `[[webhook]]` table: alerts posted to any HTTP endpoint (e.g. the old scripts' relay
`reg_event.php?tag=…&host=…` with a form field `event`). Kept light: every config load imports it."""

from __future__ import annotations

from string import Formatter
from typing import Annotated, Literal

from pydantic import Field, field_validator

from solarctl.alerts.model import AlertState
from solarctl.strict_model import HttpUrl, StrictModel

TEMPLATE_FIELDS = ("id", "kind", "severity", "device", "message", "state", "count")


class WebhookConfig(StrictModel):
    name: str = "webhook"
    url: HttpUrl  # query parameters included, e.g. https://relay.example/reg_event.php?tag=solar&host=shed
    method: Literal["POST", "PUT"] = "POST"
    body: Literal["form", "json"] = "form"
    field: str = "event"  # the form / JSON field that carries the text
    template: str = "{severity}: {message}"  # fields: id, kind, severity, device, message, state, count
    states: list[AlertState] = Field(default_factory=lambda: ["active", "cleared"])  # which changes are sent
    timeout: Annotated[float, Field(gt=0)] = 10.0

    @field_validator("template")
    @classmethod
    def _known_fields(cls, template: str) -> str:
        """Only {field} itself: str.format would follow `{message.__class__}` or `{message[0]}` into the
        program's objects, and a format spec such as `{message:>999999999}` would build a gigabyte."""
        fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
        try:
            parsed = list(Formatter().parse(template))
        except ValueError as error:
            raise ValueError(f"template {template!r} is not a template ({error}); write fields as {fields}, "
                             f"a literal brace as {{{{ or }}}}") from None
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name in TEMPLATE_FIELDS and not spec and conversion is None:
                continue
            if name in TEMPLATE_FIELDS:
                problem = "has a format or conversion"
            elif any(mark in name for mark in ".[") and name.split(".")[0].split("[")[0] in TEMPLATE_FIELDS:
                problem = "reaches into a field; use only the fields themselves"
            else:
                problem = f"uses an unknown field {name!r}"
            raise ValueError(f"template {template!r}: {{{name}{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}} {problem}; use {fields}")
        return template
