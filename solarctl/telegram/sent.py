"""What the bot has already told: (alert id, state) pairs, kept under the data dir so a restart repeats none."""

from __future__ import annotations

from pathlib import Path

from solarctl.control.state_file import StateFile

KEEP = 2000  # newest pairs remembered; an alert older than this many changes is long settled


class SentRecord:
    def __init__(self, path: Path) -> None:
        self.file = StateFile(path)
        self._sent: list[str] = list(self.file.load() or [])

    @staticmethod
    def key(alert_id: int, state: str) -> str:
        return f"{alert_id}:{state}"

    def __contains__(self, key: str) -> bool:
        return key in self._sent

    def add(self, key: str) -> None:
        self._sent = [*self._sent, key][-KEEP:]
        self.file.save(self._sent)
