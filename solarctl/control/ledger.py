"""The audit ledger: every write attempt, one JSON line each, fsync'd. What is counted against the
daily write budget lives in the budget file (write_budget.py), shared by every writer on the machine.

Nothing is sent to a device whose audit line could not be written (issue 19: on a full disk a write went out
and its line was lost). Before a write is sent, `make_room` allocates ROOM bytes of disk beyond the ledger's
end (fallocate, keeping its size), so the outcome line after it cannot meet a full disk; when that allocation
fails the write is not sent. Filesystems without fallocate get no such guarantee (the line is still tried).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable

from solarctl.private_files import open_private, private_dir

log = logging.getLogger("solarctl.control")

ROOM = 16 * 1024  # disk kept for the outcome lines of the writes in flight (a line is a few hundred bytes)
FALLOC_FL_KEEP_SIZE = 1
ENTRY_KEYS = {"time", "source", "device", "setting", "requested", "outcome"}  # what every entry the SafeWriter records has


def utc_day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


class AuditLedger:
    def __init__(self, path: Path | None, on_record: Callable[[], None] = lambda: None) -> None:
        self.path = path  # None keeps the ledger in memory only (tests, dry runs without a data dir)
        self.on_record = on_record  # after a row is durable (the daemon: copy it to the database)
        self.entries: list[dict[str, Any]] = []
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    entry = None
                if not isinstance(entry, dict) or not ENTRY_KEYS <= entry.keys():
                    # A torn, corrupt or foreign line must not stop `set` or `run` from starting.
                    log.warning("%s:%d: skipping a line that is not a ledger entry", path, lineno)
                    continue
                self.entries.append(entry)

    def make_room(self) -> None:
        """Make sure the next lines fit on the disk; raises OSError (ENOSPC …) when they may not: send nothing then."""
        if self.path is None:
            return
        private_dir(self.path.parent)
        fd = open_private(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        try:
            _allocate(fd, os.fstat(fd).st_size, ROOM)
        finally:
            os.close(fd)

    def record(self, entry: dict[str, Any]) -> None:
        if self.path is not None:
            private_dir(self.path.parent)
            with os.fdopen(open_private(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT), "a+b") as fh:
                # A line torn by a crash is ended first, so it cannot swallow this entry.
                fh.write((b"\n" if _ends_torn(fh) else b"") + json.dumps(entry, ensure_ascii=False).encode() + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
        self.entries.append(entry)
        self.on_record()


def _ends_torn(fh: BinaryIO) -> bool:
    """Whether the file's last line lacks its newline."""
    if fh.seek(0, os.SEEK_END) == 0:
        return False
    fh.seek(-1, os.SEEK_END)
    return fh.read(1) != b"\n"


def _allocate(fd: int, offset: int, length: int) -> None:
    """fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length): disk for later appends, the file's size unchanged."""
    if _fallocate()(fd, FALLOC_FL_KEEP_SIZE, offset, length) != 0:
        code = ctypes.get_errno()
        if code not in (errno.EOPNOTSUPP, errno.ENOSYS):  # a filesystem without it: no guarantee, the line is tried
            raise OSError(code, os.strerror(code))


@functools.cache
def _fallocate() -> Callable[[int, int, int, int], int]:
    """libc's fallocate (Python's os has only posix_fallocate, which grows the file)."""
    libc = ctypes.CDLL(None, use_errno=True)
    call = getattr(libc, "fallocate64", None) or libc.fallocate
    call.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    return call
