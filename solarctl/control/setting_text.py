"""A setting's value as a person or a remote control typed it (MQTT payload, Telegram command)."""

from __future__ import annotations

from solarctl.registers import Register
from solarctl.sample import Value


def setting_value(reg: Register, text: str) -> Value:
    """A number for a range setting when the text is one; text otherwise (the safe writer validates)."""
    if reg.enum is None and reg.type != "str":
        try:
            return float(text)
        except ValueError:
            return text
    return text
