"""What solarctl keeps is private (issue 19): under root's umask (022) the database, spool, audit ledger and
state files were 0644 in a 0755 data dir, so every user of the machine could read every sample and the audit.

Every file solarctl makes is opened with `open_private` (0600) and every directory with `private_dir` (0700).
With `[general] group` the data dir is given to that group, mode 2750: setgid, so what is made in it takes its
group. In a directory shared that way (setgid and group-readable) files are made 0640 and directories 0750:
the group may read, never write. No global setting: the mode follows the directory. A umask only narrows them.
"""

from __future__ import annotations

import grp
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("solarctl.files")

# Names solarctl makes in its data dir (and their -wal, .tmp … companions): a directory holding nothing else is
# solarctl's own, so its mode may be set; any other directory (`data_dir = "/var/lib"`) is never changed.
OWN_NAMES = ("solarctl.db", "solarctl.log", "audit.jsonl", "write_budget.jsonl", "pending_restores.json",
             "telegram_sent.json", "mqtt_discovery.json", "daemon.lock", "control.sock", "spool", "strategies",
             "backup", "lost+found")


class DataDirError(OSError):
    """The data dir cannot be made private as configured; the message says why and what to do."""


def shared(directory: Path) -> bool:
    """Whether `directory` is shared with its group as `prepare_data_dir` shares the data dir."""
    try:
        mode = os.stat(directory).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_ISGID and mode & stat.S_IRGRP)


def file_mode(directory: Path) -> int:
    return 0o640 if shared(directory) else 0o600


def open_private(path: Path, flags: int) -> int:
    """os.open(path, flags | O_CLOEXEC); a file it creates is 0600 (0640 in a shared directory)."""
    return os.open(path, flags | os.O_CLOEXEC, file_mode(Path(path).parent))


def private_dir(path: Path) -> Path:
    """Make `path` if missing (its missing parents with the usual modes): 0700, or 0750 in a shared directory
    (where Linux passes the setgid bit on)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=0o750 if shared(path.parent) else 0o700, parents=True, exist_ok=True)
    return path


def group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ValueError(f"{name!r} is not a group on this machine; create it (groupadd {name}) or remove the key") from None


def prepare_data_dir(path: Path, group: str | None, own: tuple[str, ...] = ()) -> None:
    """Make the data dir private: 0700, or 2750 owned by `group`. A directory that holds anything solarctl does not
    make (`own`: more names of ours, such as the command file's) keeps its mode, with a warning: it is not ours."""
    created = not path.exists()
    private_dir(path)
    foreign = sorted(name for name in os.listdir(path)
                     if not any(name.startswith(ours) for ours in (*OWN_NAMES, *own)))
    wanted = 0o2750 if group else 0o700
    st = os.stat(path)
    if stat.S_IMODE(st.st_mode) == wanted and (group is None or st.st_gid == group_id(group)):
        return
    if foreign and not created:
        log.warning("data dir %s is shared with other files (%s); its mode %o is left as it is and solarctl's own "
                    "files in it are private, but give solarctl a directory of its own (e.g. /var/lib/solarctl)",
                    path, ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else ""), stat.S_IMODE(st.st_mode))
        return
    try:
        if group:
            os.chown(path, -1, group_id(group))
        os.chmod(path, wanted)
    except OSError as exc:
        raise DataDirError(exc.errno, f"cannot make the data dir {path} private ({exc.strerror})"
                           + (f"; the user running solarctl must be a member of group {group!r}" if group else "")) from None
