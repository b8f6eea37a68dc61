"""Small top-level tables: [general]."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field

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
