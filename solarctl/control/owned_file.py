"""Opening a file in a directory other users may be able to write to (the command file and its log): never
through a symbolic link, never a FIFO or device (a read that blocks or never ends), never a second name of
another file (a hard link), never a file someone else owns or may rewrite."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UnsafeFile(OSError):
    """A file solarctl refuses to open; the message says why and how to fix it."""


def open_owned_file(path: Path, flags: int, mode: int = 0o600) -> int:
    """os.open(path, flags) for a regular file with one name, owned by root or this process's user and not
    writable by group or others; raises UnsafeFile otherwise (other OSErrors as they come)."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, f"{path} is a symbolic link; remove it (only a regular file is used)") from None
        if exc.errno == errno.ENXIO:  # a FIFO nobody reads, opened for writing
            raise UnsafeFile(errno.ENXIO, f"{path} is a FIFO; remove it (only a regular file is used)") from None
        raise
    try:
        _check(path, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check(path: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(errno.EINVAL, f"{path} is not a regular file (a FIFO, device or directory); remove it")
    if st.st_nlink != 1:
        raise UnsafeFile(errno.EMLINK, f"{path} has {st.st_nlink} names (hard links); remove it and write a new file")
    if st.st_uid not in (0, os.geteuid()):
        raise UnsafeFile(errno.EPERM, f"{path} is owned by uid {st.st_uid}, not by root or solarctl's user "
                                      f"(uid {os.geteuid()}); write it as one of them")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeFile(errno.EPERM, f"{path} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o}); "
                                      f"chmod go-w it")


def writable_by_others(directory: Path) -> bool:
    """Whether users other than the owner (and root) may create files in `directory`."""
    try:
        return bool(os.stat(directory).st_mode & (stat.S_IWGRP | stat.S_IWOTH))
    except OSError:
        return False
