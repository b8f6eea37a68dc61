"""Small top-level tables: [general], and the tables of features this version does not have yet."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from solarctl.config_paths import Directory, File
from solarctl.strict_model import StrictModel


def default_data_dir() -> Path:
    env = os.environ.get("SOLARCTL_DATA_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "solarctl"


class GeneralConfig(StrictModel):
    data_dir: Directory = Field(default_factory=default_data_dir)  # SQLite file, spool, audit ledger
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_file: File | None = None


def not_in_this_version(feature: str, table: str) -> Any:
    """The type of a table whose feature is not built yet: absent is fine; present, it is refused, because a
    table that passes `config check` and then does nothing misleads."""

    def refuse(value: Any) -> None:
        if value is not None:
            raise ValueError(f"{feature} is not in this version of solarctl yet; remove the [{table}] table")

    return Annotated[None, BeforeValidator(refuse)]


TelegramTable = not_in_this_version("Telegram alerts", "telegram")
