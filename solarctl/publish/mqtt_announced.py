"""The record of discovery config topics solarctl has announced (a JSON file in the data dir).

Home Assistant keeps an entity as long as its retained config exists. When a device (or a controlled setting)
leaves the config, the next start finds its topics here and not among the current ones, and clears them with
an empty retained message, so the entity disappears from HA. A metric's entity is announced once its value
has come (mqtt.py); the record also lets the next start announce it again before the first poll.
"""

from __future__ import annotations

from pathlib import Path

from solarctl.control.state_file import StateFile


class AnnouncedTopics:
    def __init__(self, path: Path | None) -> None:
        self.file = None if path is None else StateFile(path)  # None: nothing remembered across restarts (tests)
        self.topics: set[str] = set((self.file.load() if self.file else None) or ())

    def withdrawn(self, current: set[str]) -> set[str]:
        """Topics announced before that the current config no longer has."""
        return self.topics - current

    def add(self, topics: list[str]) -> None:
        """Remember topics just announced (saved when any is new)."""
        if not self.topics.issuperset(topics):
            self._save(self.topics | set(topics))

    def keep_only(self, current: set[str]) -> None:
        """Forget the topics just withdrawn."""
        if not current.issuperset(self.topics):
            self._save(self.topics & current)

    def _save(self, topics: set[str]) -> None:
        self.topics = topics
        if self.file is not None:
            self.file.save(sorted(topics))
