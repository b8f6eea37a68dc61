"""[command_file]: register writes queued in a file, as the old Solar-Station scripts did (command_file.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from solarctl.strict_model import StrictModel


class CommandFileConfig(StrictModel):
    path: Path  # e.g. /root/inverter_cmd.lst
    device: str  # the device whose registers the lines name (a must_pv1800)
    interval: Annotated[float, Field(gt=0)] = 5.0  # seconds between looks at the file
    tries: Annotated[int, Field(ge=1)] = 10  # a line that fails is tried again, this many tries in all
    log: Path | None = None  # default: the path with ".log" appended (inverter_cmd.lst.log)

    @property
    def log_path(self) -> Path:
        return self.log or self.path.with_name(self.path.name + ".log")
