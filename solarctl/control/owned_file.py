"""Opening a file in a directory other users may be able to write to (the command file and its log): never
through a symbolic link, never a FIFO or device (a read that blocks or never ends), never a second name of
another file (a hard link), never a file someone else owns or may rewrite, never one larger than asked.

A refusal says whether the name held a regular file (`UnsafeFile.regular`, with its `stat`): only such a
file may be removed by the caller; a directory, symlink, FIFO, device or mount point is never touched."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UnsafeFile(OSError):
    """A file solarctl refuses to open; the message says why and how to fix it."""

    def __init__(self, code: int, message: str, st: os.stat_result | None = None) -> None:
        super().__init__(code, message)
        self.stat = st  # set when the name held a regular file: the caller may remove that very file

    @property
    def regular(self) -> bool:
        return self.stat is not None


def open_owned_file(path: Path, flags: int, mode: int = 0o600, max_bytes: int | None = None) -> int:
    """os.open(path, flags) for a regular file with one name, owned by root or this process's user, not
    writable by group or others and (with `max_bytes`) no larger than that; raises UnsafeFile otherwise
    (other OSErrors as they come). A name that is not a regular file is refused before it is opened: opening
    a device can act on it (a tape rewinds, a watchdog arms)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
    else:
        if stat.S_ISLNK(st.st_mode):
            raise UnsafeFile(errno.ELOOP, f"{path} is a symbolic link; remove it (only a regular file is used)")
        if not stat.S_ISREG(st.st_mode):
            _check(path, st, max_bytes)
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, f"{path} is a symbolic link; remove it (only a regular file is used)") from None
        if exc.errno == errno.ENXIO:  # a FIFO nobody reads, opened for writing
            raise UnsafeFile(errno.ENXIO, f"{path} is a FIFO; remove it (only a regular file is used)") from None
        if exc.errno == errno.EISDIR:
            raise UnsafeFile(errno.EISDIR, f"{path} is a directory, not a file; solarctl leaves it alone") from None
        raise
    try:
        _check(path, os.fstat(fd), max_bytes)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check(path: Path, st: os.stat_result, max_bytes: int | None) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeFile(errno.EISDIR, f"{path} is a directory, not a file; solarctl leaves it alone")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(errno.EINVAL, f"{path} is not a regular file (a FIFO, socket or device); solarctl leaves "
                                       f"it alone: remove it")
    if st.st_nlink != 1:
        raise UnsafeFile(errno.EMLINK, f"{path} has {st.st_nlink} names (hard links); remove it and write a new file", st)
    if st.st_uid not in (0, os.geteuid()):
        raise UnsafeFile(errno.EPERM, f"{path} is owned by uid {st.st_uid}, not by root or solarctl's user "
                                      f"(uid {os.geteuid()}); write it as one of them", st)
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeFile(errno.EPERM, f"{path} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o}); "
                                      f"chmod go-w it", st)
    if max_bytes is not None and st.st_size > max_bytes:
        raise UnsafeFile(errno.EFBIG, f"{path} is larger than {max_bytes} bytes; write a few lines at a time", st)


def same_file(path: Path, st: os.stat_result) -> bool:
    """Whether `path` (not followed) is still the file `st` describes: the check before moving or removing it."""
    try:
        now = os.lstat(path)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino)


def writable_by_others(directory: Path) -> bool:
    """Whether users other than the owner (and root) may create files in `directory`."""
    try:
        return bool(os.stat(directory).st_mode & (stat.S_IWGRP | stat.S_IWOTH))
    except OSError:
        return False
