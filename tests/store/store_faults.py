"""Fault injection at each I/O call of the store path, switched on and off while a daemon runs.

Each fault makes one call fail as the real obstacle would (the data dir away: OSError; the database away:
the driver's own OperationalError), only while `armed`; everything else goes through untouched.
"""

from __future__ import annotations

import errno
import os
import types
from typing import Any

from solarctl.store import spool as spool_module

STORE_FAULTS = ("spool write", "spool fsync", "checkpoint write", "checkpoint rename", "db execute", "db commit")


class Switch:
    def __init__(self) -> None:
        self.armed = False
        self.hits = 0  # calls that failed

    def trip(self, error: BaseException) -> None:
        if self.armed:
            self.hits += 1
            raise error


def _gone() -> OSError:
    return OSError(errno.ENOENT, "No such file or directory (injected: the data dir is away)")


class _FaultyFile:
    """A spool segment whose writes fail while the switch is armed."""

    def __init__(self, file: Any, switch: Switch) -> None:
        self._file, self._switch = file, switch

    def write(self, data) -> int:
        self._switch.trip(_gone())
        return self._file.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def inject_spool(kind: str, switch: Switch, monkeypatch) -> None:
    """Before the store starts: its spool's writes, fsyncs, checkpoint writes or renames fail while armed.

    The spool reaches the file system through its module's `os` (private files are opened with os.open and
    wrapped with os.fdopen): that name is replaced by a view of the real module with the one call made faulty."""
    real = os

    def fdopen(fd: int, mode: str = "r", *args, **kwargs):
        file = real.fdopen(fd, mode, *args, **kwargs)
        segment = "a" in mode  # spool segments are appended to; the checkpoint is written whole
        if (kind == "spool write" and segment) or (kind == "checkpoint write" and not segment and "w" in mode):
            return _FaultyFile(file, switch)
        return file

    def fsync(fd: int) -> None:
        if kind == "spool fsync":
            switch.trip(_gone())
        real.fsync(fd)

    def replace(src, dst) -> None:
        if kind == "checkpoint rename":
            switch.trip(_gone())
        real.replace(src, dst)

    faulty = {"fdopen": fdopen, "fsync": fsync, "replace": replace}
    monkeypatch.setattr(spool_module, "os", types.SimpleNamespace(**{name: faulty.get(name, getattr(real, name))
                                                                    for name in dir(real) if not name.startswith("__")}))


def inject_database(kind: str, engine, switch: Switch, monkeypatch) -> None:
    """After the store starts (its engine exists): statements or commits fail with the driver's OperationalError."""
    dialect = engine.dialect
    error = dialect.loaded_dbapi.OperationalError

    def failing(real):
        def call(*args, **kwargs):
            switch.trip(error(2013, "Lost connection to server during query (injected)"))
            return real(*args, **kwargs)
        return call

    names = ("do_execute", "do_executemany", "do_execute_no_params") if kind == "db execute" else ("do_commit",)
    for name in names:
        monkeypatch.setattr(dialect, name, failing(getattr(dialect, name)))
