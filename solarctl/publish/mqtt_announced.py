"""The record of discovery config topics solarctl has announced (a JSON file in the data dir).

Home Assistant keeps an entity as long as its retained config exists. When a device (or a controlled setting)
leaves the config, the next start finds its topics here and not among the current ones, and clears them with
an empty retained message, so the entity disappears from HA.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class AnnouncedTopics:
    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: nothing remembered across restarts (tests)
        self.topics: set[str] = self._load()

    def _load(self) -> set[str]:
        if self.path is None or not self.path.exists():
            return set()
        try:
            return set(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            log.warning("%s: cannot read the announced discovery topics (%s); entities of removed devices "
                        "may stay in Home Assistant until deleted there", self.path, error)
            return set()

    def withdrawn(self, current: set[str]) -> set[str]:
        """Topics announced before that the current config no longer has."""
        return self.topics - current

    def save(self, current: set[str]) -> None:
        self.topics = set(current)
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(sorted(current), indent=0), encoding="utf-8")
        os.replace(tmp, self.path)
