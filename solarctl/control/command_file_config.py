"""[command_file]: register writes queued in a file, as the old Solar-Station scripts did (command_file.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from solarctl.strict_model import StrictModel


def _command_file(path: Path) -> Path:
    """The daemon renames and removes this file: a path that is a directory, a symlink, a device … (or `/tmp`)
    must never get that far (issue 19)."""
    path = path.expanduser()
    if os.path.lexists(path.parent) and not path.parent.is_dir():
        raise ValueError(f"{str(path.parent)!r} is not a directory; give a file in a directory")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ValueError(f"{str(path)!r} cannot be checked ({exc.strerror}); give a file solarctl may read") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{str(path)!r} exists and is not a regular file (it is a {_kind(st.st_mode)}); the daemon "
                         f"renames and removes this file, so give the path of a file of its own, "
                         f"e.g. /var/lib/solarctl/inverter_cmd.lst")
    return path


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "FIFO"),
                       (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


class CommandFileConfig(StrictModel):
    path: Annotated[Path, AfterValidator(_command_file)]  # e.g. /var/lib/solarctl/inverter_cmd.lst
    device: str  # the device whose registers the lines name (a must_pv1800)
    interval: Annotated[float, Field(gt=0)] = 5.0  # seconds between looks at the file
    tries: Annotated[int, Field(ge=1)] = 10  # a line that fails is tried again, this many tries in all
    log: Path | None = None  # default: the path with ".log" appended (inverter_cmd.lst.log)

    @property
    def log_path(self) -> Path:
        return self.log or self.path.parent / (self.path.name + ".log")
