"""A durable, append-only, bounded log of lines on local disk, consumed in order.

Every event is appended (and fsync'd) here before it is written to the database; a checkpoint records how
far the database has it. After a crash or SIGKILL the lines after the checkpoint are written again (the
database upserts, so a line written twice is stored once). While the database is away the log grows; past
`max_bytes` whole segments are dropped, oldest first, with an error saying how much was lost.

Layout: <dir>/<segment>.log (numbered, rotated at segment_bytes) and <dir>/checkpoint ("segment offset").
"""

from __future__ import annotations

from typing import BinaryIO

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from solarctl.private_files import open_private, private_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Position:
    segment: int
    offset: int


class Spool:
    def __init__(self, directory: Path, max_bytes: int, warn_fraction: float = 0.8, segment_bytes: int = 16 << 20) -> None:
        self.dir = private_dir(Path(directory))
        self.max_bytes = max_bytes
        self.warn_fraction = warn_fraction
        # At least 8 segments fit under the bound, so dropping one loses at most 1/8 of the spool.
        self.segment_bytes = max(4096, min(segment_bytes, max_bytes // 8))
        self.dropped_lines = 0
        self._warned = False
        self._lock = threading.Lock()
        segments = self._segments()
        self._checkpoint = self._read_checkpoint()
        if not segments:
            segments = [max(1, self._checkpoint.segment)]
            os.close(open_private(self._path(segments[0]), os.O_WRONLY | os.O_CREAT))
        if self._checkpoint.segment < segments[0]:
            self._checkpoint = Position(segments[0], 0)
        self._seg = segments[-1]
        self._size = self._truncate_torn_tail(self._path(self._seg))
        self._file = self._open_segment()

    # --- writing ----------------------------------------------------------------------------------

    def append(self, lines: list[bytes]) -> tuple[Position, Position]:
        """Append whole lines durably; returns where they start and end."""
        data = b"".join(lines)
        with self._lock:
            if self._size and self._size + len(data) > self.segment_bytes:
                self._rotate()
            start = Position(self._seg, self._size)
            try:
                view = memoryview(data)
                while view:  # unbuffered: a write may take only part
                    view = view[self._file.write(view):]
                os.fsync(self._file.fileno())
            except OSError:
                self._undo_partial_write()
                raise
            self._size += len(data)
            self._enforce_bound()
            return start, Position(self._seg, self._size)

    def _undo_partial_write(self) -> None:
        """After a failed write (disk full) cut the file back, so positions stay true; the caller retries."""
        self._file.close()
        with open(self._path(self._seg), "r+b") as f:
            f.truncate(self._size)
        self._file = self._open_segment()

    def _rotate(self) -> None:
        self._file.close()
        self._seg += 1
        self._size = 0
        self._file = self._open_segment()

    def _open_segment(self) -> BinaryIO:
        return os.fdopen(open_private(self._path(self._seg), os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab", buffering=0)

    def _enforce_bound(self) -> None:
        while self._pending() > self.max_bytes and self._checkpoint.segment < self._seg:
            path = self._path(self._checkpoint.segment)
            with open(path, "rb") as f:
                f.seek(self._checkpoint.offset)
                lost = f.read().count(b"\n")
            path.unlink()
            self.dropped_lines += lost
            self._write_checkpoint(Position(self._checkpoint.segment + 1, 0))
            log.error(
                "storage spool is full (%.1f MB): dropped the %d oldest spooled samples (%d in all since start); "
                "bring the database back or raise [storage] spool_max_mb", self.max_bytes / 1e6, lost, self.dropped_lines)
        fill = self._pending() / self.max_bytes
        if fill >= self.warn_fraction and not self._warned:
            self._warned = True
            log.warning("storage spool is %.0f%% full (%.1f of %.1f MB) while the database is away; the oldest samples are "
                        "dropped at 100%%", fill * 100, self._pending() / 1e6, self.max_bytes / 1e6)
        elif fill < self.warn_fraction / 2:
            self._warned = False

    # --- reading ------------------------------------------------------------------------------------

    def read(self, start: Position, max_lines: int) -> tuple[list[bytes], Position]:
        """Up to max_lines whole lines from `start` (or the checkpoint, if later); returns them and the end position."""
        with self._lock:
            pos = max(start, self._checkpoint)
            while True:
                limit = self._size if pos.segment == self._seg else None
                with open(self._path(pos.segment), "rb") as f:
                    f.seek(pos.offset)
                    lines: list[bytes] = []
                    offset = pos.offset
                    while len(lines) < max_lines and (limit is None or offset < limit):
                        line = f.readline()
                        if not line.endswith(b"\n"):
                            break
                        lines.append(line)
                        offset += len(line)
                if lines or pos.segment >= self._seg:
                    return lines, Position(pos.segment, offset)
                pos = Position(pos.segment + 1, 0)

    def commit(self, pos: Position) -> None:
        """Everything before `pos` is in the database: remember it, and delete segments no longer needed."""
        with self._lock:
            if pos <= self._checkpoint:
                return
            self._write_checkpoint(pos)
            for seg in self._segments():
                if seg < pos.segment:
                    self._path(seg).unlink(missing_ok=True)
            if self._pending() < self.max_bytes * self.warn_fraction / 2:
                self._warned = False

    @property
    def end(self) -> Position:
        with self._lock:
            return Position(self._seg, self._size)

    @property
    def checkpoint(self) -> Position:
        with self._lock:
            return self._checkpoint

    def pending_bytes(self) -> int:
        with self._lock:
            return self._pending()

    def close(self) -> None:
        with self._lock:
            self._file.close()

    # --- files --------------------------------------------------------------------------------------

    def _pending(self) -> int:
        total = -self._checkpoint.offset
        for seg in range(self._checkpoint.segment, self._seg + 1):
            total += self._size if seg == self._seg else self._file_size(seg)
        return max(0, total)

    def _file_size(self, seg: int) -> int:
        try:
            return self._path(seg).stat().st_size
        except FileNotFoundError:
            return 0

    def _path(self, seg: int) -> Path:
        return self.dir / f"{seg:012d}.log"

    def _segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self.dir.glob("*.log") if p.stem.isdigit())

    def _read_checkpoint(self) -> Position:
        try:
            seg, off = (self.dir / "checkpoint").read_text().split()
            return Position(int(seg), int(off))
        except (FileNotFoundError, ValueError):
            return Position(0, 0)

    def _write_checkpoint(self, pos: Position) -> None:
        # Atomic replace; not fsync'd: a lost checkpoint only means lines are written (upserted) again.
        tmp = self.dir / "checkpoint.tmp"
        with os.fdopen(open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as fh:
            fh.write(f"{pos.segment} {pos.offset}\n")
        os.replace(tmp, self.dir / "checkpoint")
        self._checkpoint = pos

    @staticmethod
    def _truncate_torn_tail(path: Path) -> int:
        """A SIGKILL during a write can leave half a line at the end: cut it off."""
        data = path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            log.warning("storage spool %s: dropping a torn last line (%d bytes) left by a crash", path.name, len(data) - keep)
            with open(path, "r+b") as f:
                f.truncate(keep)
        return keep
