"""Small JSON state kept across restarts under the data dir (a strategy's counters, pending restores).

Private (0600: solarctl/private_files.py) and written atomically: a temporary file beside it, fsync'd, then renamed over the old one, so a crash
leaves either the old state or the new one, never half of either.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from solarctl.private_files import open_private, private_dir

log = logging.getLogger("solarctl.state")


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Any:
        """The saved state; None if there is none or it cannot be read (then logged: starting afresh is safe)."""
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable state file %s (%s); starting afresh", self.path, exc)
            return None

    def save(self, state: Any) -> None:
        private_dir(self.path.parent)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with os.fdopen(open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as f:
            json.dump(state, f, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
