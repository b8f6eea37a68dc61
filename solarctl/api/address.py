"""Where a data dir's daemon listens, and how to reach a socket whose path is too long for AF_UNIX."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

SOCKET_NAME = "control.sock"
LOCK_NAME = "daemon.lock"
_SUN_PATH_MAX = 107  # sockaddr_un.sun_path is 108 bytes on Linux, with the terminating NUL


def socket_path(data_dir: Path) -> Path:
    return Path(data_dir) / SOCKET_NAME


@contextmanager
def unix_address(path: Path) -> Iterator[str]:
    """A name for bind()/connect() that reaches `path`: the path itself, or for a deep data dir the
    same file through /proc/self/fd/N of its directory (the kernel resolves that link)."""
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)
