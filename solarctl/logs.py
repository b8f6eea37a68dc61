"""Logging set-up for the commands."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from solarctl.private_files import open_private


class JournalFormatter(logging.Formatter):
    """Under systemd (stderr is the journal): a syslog priority prefix the journal reads, no timestamp of our own."""

    PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return f"<{self.PRIORITY.get(record.levelno, 6)}>{super().format(record)}"


def stderr_is_the_journal() -> bool:
    """systemd sets JOURNAL_STREAM to the device:inode of the journal stream it connected."""
    try:
        device, inode = os.environ["JOURNAL_STREAM"].split(":")
        stat = os.fstat(sys.stderr.fileno())
        return (stat.st_dev, stat.st_ino) == (int(device), int(inode))
    except (KeyError, ValueError, OSError):
        return False


def setup_logging(level: str = "info", file: Path | None = None) -> None:
    console = logging.StreamHandler(sys.stderr)
    if stderr_is_the_journal():
        console.setFormatter(JournalFormatter())
    handlers: list[logging.Handler] = [console]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        os.close(open_private(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT))  # made private before logging opens it
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    logging.basicConfig(level=level.upper(), handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")  # handlers without a formatter of their own
