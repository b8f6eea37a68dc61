"""The files the daemon keeps in its data_dir, named in one leaf module so that any layer (the safe-write layer
that writes the audit ledger, the store that copies it into the database, the CLI) finds them without importing
the others."""

from __future__ import annotations

from pathlib import Path


def ledger_path(data_dir: Path) -> Path:
    return Path(data_dir) / "audit.jsonl"
