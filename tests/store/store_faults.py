"""Fault injection at each I/O call of the store path, switched on and off while a daemon runs.

Each fault makes one call fail as the real obstacle would (the data dir away: OSError; the database away:
the driver's own OperationalError), only while `armed`; everything else goes through untouched.
"""

from __future__ import annotations

import errno
import os
import pathlib
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
    """Before the store starts: its spool's writes, fsyncs, checkpoint writes or renames fail while armed."""
    if kind == "spool write":
        real_open = open
        monkeypatch.setattr(spool_module, "open", lambda *a, **k: _FaultyFile(real_open(*a, **k), switch), raising=False)
    elif kind in ("spool fsync", "checkpoint rename"):
        def fsync(fd: int) -> None:
            if kind == "spool fsync":
                switch.trip(_gone())
            os.fsync(fd)

        def replace(src, dst) -> None:
            if kind == "checkpoint rename":
                switch.trip(_gone())
            os.replace(src, dst)

        monkeypatch.setattr(spool_module, "os", types.SimpleNamespace(fsync=fsync, replace=replace))
    elif kind == "checkpoint write":
        real_write_text = pathlib.Path.write_text

        def write_text(self: pathlib.Path, *args, **kwargs):
            if self.name == "checkpoint.tmp":
                switch.trip(_gone())
            return real_write_text(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "write_text", write_text)


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
