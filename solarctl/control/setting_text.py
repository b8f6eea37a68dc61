"""A setting's value as a person or a remote control typed it (MQTT payload, Telegram command)."""

from __future__ import annotations

import math

from solarctl.registers import Register
from solarctl.sample import Value


def setting_value(reg: Register, text: str) -> Value:
    """A number for a range setting when the text is a finite one; text otherwise (the safe writer refuses it)."""
    if reg.enum is None and reg.type != "str":
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text  # "nan" passes every range comparison
    return text
