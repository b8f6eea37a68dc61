"""Small top-level tables: [general]."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from solarctl.config_paths import Directory, File
from solarctl.private_files import group_id
from solarctl.strict_model import StrictModel


def default_data_dir() -> Path:
    env = os.environ.get("SOLARCTL_DATA_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "solarctl"


def _existing_group(name: str) -> str:
    group_id(name)  # raises with the fix when the machine has no such group
    return name


class GeneralConfig(StrictModel):
    data_dir: Directory = Field(default_factory=default_data_dir)  # SQLite file, spool, audit ledger
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_file: File | None = None
    # Who else may read the data: none (dir 0700, files 0600), or this group (dir 2750, files 0640; never write).
    group: Annotated[str, AfterValidator(_existing_group)] | None = None
