"""The audit ledger: every write attempt, one JSON line each, fsync'd; also the source of the
per-register daily write counts (so a restart does not reset the EEPROM-wear budget)."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("solarctl.control")

# Outcomes that touched the device's memory (or may have): they count against the budget.
COUNTED = ("written", "failed")


def utc_day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


def ledger_path(data_dir: Path) -> Path:
    return Path(data_dir) / "audit.jsonl"


class AuditLedger:
    def __init__(self, path: Path | None, on_record: Callable[[], None] = lambda: None) -> None:
        self.path = path  # None keeps the ledger in memory only (tests, dry runs without a data dir)
        self.on_record = on_record  # after a row is durable (the daemon: copy it to the database)
        self.entries: list[dict[str, Any]] = []
        self._counts: Counter[tuple[str, str, int]] = Counter()
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    log.warning("%s:%d: skipping a damaged ledger line", path, lineno)
                    continue
                self._remember(entry)

    def _remember(self, entry: dict[str, Any]) -> None:
        self.entries.append(entry)
        # A failure before the current value could be read sent no write (a device that is down must not use
        # up the budget its restores need).
        if entry.get("outcome") in COUNTED and not (entry.get("outcome") == "failed" and entry.get("before") is None):
            self._counts[(utc_day(entry["time"]), entry["device"], entry["register"])] += 1

    def record(self, entry: dict[str, Any]) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        self._remember(entry)
        self.on_record()

    def writes_on(self, day: str, device: str, register: int) -> int:
        return self._counts[(day, device, register)]
