"""The daily write budget: how many writes reached each physical register today, shared by every writer
on the machine (the daemon, `solarctl set`, a second config) through one file.

Each write is recorded as an `attempt` (fsync'd) BEFORE it is sent, under an exclusive lock on the file, so
check + record is one step for every process: no record, no write. Its `outcome` follows; an attempt whose
outcome says it was never sent (`reached: false`) does not count, one without an outcome (a crash) does.
Registers are keyed by the physical device, never by its config name or how its address is spelled: each
attempt records the aliases of its route (route_identity.py: resolved addresses, real port path, USB
serial number, the serial number the device reports), and attempts whose aliases meet, in this record or
through another, count as one device. A torn, corrupt or foreign line is skipped with a warning.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Collection, Iterator

from solarctl.control.ledger import utc_day
from solarctl.private_files import file_mode, private_dir
from solarctl.control.route_identity import spelled_identity

log = logging.getLogger("solarctl.control")
device_identity = spelled_identity  # one process, one spelling per device (offline runs): the spelling will do


class Aliases:
    """Names known to be one device, joined (union-find) as records link them."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def join(self, names: Collection[str]) -> str:
        """Make `names` one device; returns its representative."""
        roots = {self.find(name) for name in names}
        first = min(roots)
        for root in roots:
            self._parent[root] = first
        return first

    def find(self, name: str) -> str:
        parent = self._parent.setdefault(name, name)
        if parent != name:
            parent = self._parent[name] = self.find(parent)
        return parent


class BudgetFileError(OSError):
    """The budget file cannot be read or written: nothing may be written to a device."""

    def __str__(self) -> str:
        return self.strerror or ""  # the sentence, without "[Errno N]"


class WriteBudget:
    def __init__(self, path: Path | None, limit: int) -> None:
        self.path = path  # None keeps the counts in memory only (tests, plant runs)
        self.limit = limit
        self._aliases = Aliases()
        # (day, register) -> attempt id -> one alias of its device; settled as not sent: removed
        self._attempts: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        self._open_attempts: dict[str, tuple[str, int]] = {}
        self._offset = 0  # how far the file has been read (complete lines only)

    def used(self, now: float, identity: str | Collection[str], register: int) -> int:
        """Writes counted today on `register` of the device known by `identity` (one alias or all of them),
        by every writer sharing the file, through every route to it."""
        with self._locked():
            return self._used(utc_day(now), _names(identity), register)

    def reserve(self, now: float, identity: str | Collection[str], register: int, source: str,
                allowance: int = 0) -> str | None:
        """Record an attempt on `register` of the device known by `identity` (one alias or all of them) and
        return its id, or None when today's budget (plus `allowance`: the restores' reserve) is used up.
        Raises BudgetFileError when the attempt cannot be recorded durably."""
        names = _names(identity)
        attempt = uuid.uuid4().hex
        entry = {"time": now, "attempt": attempt, "device": names[0], "aliases": names, "register": register,
                 "source": source}
        with self._locked() as fh:
            if self._used(utc_day(now), names, register) >= self.limit + allowance:
                return None
            self._append(fh, entry)
        self._count(entry)
        return attempt

    def _used(self, day: str, names: list[str], register: int) -> int:
        device = self._aliases.join(names)
        return sum(1 for alias in self._attempts[(day, register)].values() if self._aliases.find(alias) == device)

    def settle(self, now: float, attempt: str, *, reached: bool) -> None:
        """Record how an attempt ended; one that never reached the device gives its slot back."""
        entry = {"time": now, "attempt": attempt, "reached": reached}
        with self._locked() as fh:
            self._append(fh, entry, durable=False)  # lost in a crash, the attempt counts: failing closed
        self._count(entry)

    # --- the file ------------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[BinaryIO | None]:
        """The file, opened for reading and appending, exclusively locked and caught up with other writers."""
        if self.path is None:
            yield None
            return
        fh = None
        try:
            private_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, file_mode(self.path.parent))
            fh = os.fdopen(fd, "a+b", buffering=0)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._catch_up(fh)
        except OSError as exc:
            if fh is not None:
                fh.close()
            raise BudgetFileError(exc.errno, f"cannot use the write budget file {self.path} ({exc.strerror or exc}); "
                                             f"nothing was written: fix its directory or set [control] budget_file") from None
        with fh:  # closing releases the lock
            yield fh

    def _append(self, fh: BinaryIO | None, entry: dict[str, Any], *, durable: bool = True) -> None:
        if fh is None:
            return
        try:
            fh.write((json.dumps(entry) + "\n").encode())
            if durable:
                os.fsync(fh.fileno())
        except OSError as exc:
            raise BudgetFileError(exc.errno, f"cannot record the write in the budget file {self.path} "
                                             f"({exc.strerror or exc}); nothing was written: free space there "
                                             f"or set [control] budget_file") from None
        self._offset = fh.tell()

    def _catch_up(self, fh: BinaryIO) -> None:
        """Count the lines other processes appended since the last look; end a torn last line."""
        fh.seek(self._offset)
        data = fh.read()
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            self._take(line)
        self._offset += end
        if torn := data[end:]:
            # A writer died mid-line: end that line, so the next record gets a line of its own.
            log.warning("%s: skipping a torn last line (%d bytes)", self.path, len(torn))
            fh.write(b"\n")
            self._offset += len(torn) + 1

    def _take(self, line: bytes) -> None:
        if not line.strip():
            return
        try:
            self._count(json.loads(line))
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("%s: skipping a line that is not a budget record: %.80r", self.path, line)

    def _count(self, entry: dict[str, Any]) -> None:
        if "reached" in entry:
            key = self._open_attempts.pop(entry["attempt"], None)
            if key is not None and entry["reached"] is False:
                self._attempts[key].pop(entry["attempt"], None)
            return
        names = _names(entry.get("aliases") or str(entry["device"]))  # records before issue 19: the spelling only
        key = (utc_day(float(entry["time"])), int(entry["register"]))
        attempt = str(entry["attempt"])
        self._open_attempts[attempt] = key
        self._attempts[key][attempt] = self._aliases.join(names)


def _names(identity: str | Collection[str]) -> list[str]:
    names = [identity] if isinstance(identity, str) else sorted(identity)
    if not names or not all(isinstance(name, str) for name in names):
        raise ValueError("a budget record names its device by at least one alias")
    return names
