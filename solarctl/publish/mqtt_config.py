"""The `[mqtt]` table: broker, credentials, topics, Home Assistant discovery and which settings MQTT may change.

Kept light (no aiomqtt here): every config load imports it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from solarctl.strict_model import StrictModel

_TOPIC_WORD = re.compile(r"^[A-Za-z0-9_-]+$")


def _topic_word(text: str) -> str:
    if not _TOPIC_WORD.match(text):
        raise ValueError(f"{text!r} may hold only letters, digits, '_' and '-' (it becomes part of MQTT topics)")
    return text


def _setting_ref(text: str) -> str:
    device, dot, setting = text.partition(".")
    if not dot or not device or not setting:
        raise ValueError(f"{text!r} is not DEVICE.SETTING (e.g. \"inverter.grid_connection\")")
    return text


class MqttConfig(StrictModel):
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 1883
    username: str | None = None
    password: str | None = None  # or password_file, so the config itself need not hold it
    password_file: Path | None = None
    tls: bool = False  # TLS to the broker, verified against the system CAs or ca_file
    ca_file: Path | None = None
    client_id: Annotated[str, AfterValidator(_topic_word)] = "solarctl"
    topic_prefix: Annotated[str, AfterValidator(_topic_word)] = "solarctl"  # state topics: PREFIX/DEVICE/state
    discovery: bool = True  # Home Assistant MQTT discovery
    discovery_prefix: Annotated[str, AfterValidator(_topic_word)] = "homeassistant"
    # Settings Home Assistant (or anyone on the broker) may change, as "device.setting"; none by default.
    control: list[Annotated[str, AfterValidator(_setting_ref)]] = Field(default_factory=list)
    keepalive: Annotated[int, Field(ge=5, le=3600)] = 30
    timeout: Annotated[float, Field(gt=0)] = 5.0  # connect and each publish, s

    @model_validator(mode="after")
    def _one_password(self) -> "MqttConfig":
        if self.password is not None and self.password_file is not None:
            raise ValueError("give either password or password_file, not both")
        if self.ca_file is not None and not self.tls:
            raise ValueError("ca_file is set but tls is false; set tls = true to use it")
        return self

    def read_password(self) -> str | None:
        """The password, from password_file when given (its first line); raises OSError if unreadable."""
        if self.password_file is None:
            return self.password
        lines = self.password_file.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""


class MqttSetupError(Exception):
    """An [mqtt] table that cannot work with this installation (one sentence, with the fix)."""
