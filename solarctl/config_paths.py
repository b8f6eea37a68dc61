"""Path types for config tables, checked when the config is checked, not when the daemon first uses them:
`~` expanded, a directory that is a file (or a file that is a directory) refused with the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator


def _directory(path: Path) -> Path:
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{str(path)!r} exists and is not a directory; give a directory (it is created if missing)")
    return path


def _file(path: Path) -> Path:
    path = path.expanduser()
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a directory; give a file in it, e.g. {str(path / 'solarctl.log')!r}")
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(f"{str(path.parent)!r} is not a directory; give a file in a directory")
    return path


def _not_empty(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise ValueError("the path is empty (it would be the current directory of whoever starts solarctl); "
                         "give a directory or file by its full path")
    return value


Directory = Annotated[Path, BeforeValidator(_not_empty), AfterValidator(_directory)]
File = Annotated[Path, BeforeValidator(_not_empty), AfterValidator(_file)]
