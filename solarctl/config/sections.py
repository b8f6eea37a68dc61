"""Small top-level tables: [general], [web], [mqtt], [telegram]."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from solarctl.strict_model import StrictModel

Port = Annotated[int, Field(ge=1, le=65535)]


def default_data_dir() -> Path:
    env = os.environ.get("SOLARCTL_DATA_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "solarctl"


class GeneralConfig(StrictModel):
    data_dir: Path = Field(default_factory=default_data_dir)  # SQLite file, spool, audit ledger
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_file: Path | None = None


class WebConfig(StrictModel):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: Port = 8080


class MqttConfig(StrictModel):
    host: str
    port: Port = 1883
    username: str | None = None
    password: str | None = None
    topic_prefix: str = "solarctl"
    discovery_prefix: str = "homeassistant"


class TelegramConfig(StrictModel):
    token: str
    chat_id: int
