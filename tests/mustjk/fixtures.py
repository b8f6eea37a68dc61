"""Fixture loading for the mustjk tests (provenance: tests/data/SOURCES.md and each file's header)."""

import re
from pathlib import Path

DATA = Path(__file__).parent.parent / "data" / "mustjk"


def path(name: str) -> Path:
    return DATA / name


def frame(name: str) -> bytes:
    """The bytes of a hex fixture (comments dropped), parsed independently of the code under test."""
    return bytes.fromhex(re.sub(r"#[^\n]*", "", path(name).read_text()))
