"""DEVELOPERS.md stays a map one can read: short table cells, real paths, one section per extension point."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parent.parent / "DEVELOPERS.md"
MAX_CELL = 120  # characters of one table cell
EXTENSION_POINTS = ("A driver", "A capability", "A strategy", "A sink", "A channel")


def _cells() -> list[str]:
    return [cell.strip() for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("|")
            for cell in line.strip().strip("|").split("|")]


def test_table_cells_are_short():
    long = [cell for cell in _cells() if len(cell) > MAX_CELL]
    assert not long, f"cells over {MAX_CELL} characters:\n" + "\n".join(long)


def test_every_path_in_the_layout_table_exists():
    root = DOC.parent
    missing = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        paths = re.findall(r"`([^`]+)`", line.split("|")[1])
        folder = Path(paths[0]).parent
        missing += [p for i, p in enumerate(paths) if not (root / p).exists() and not (root / folder / p).exists()]
    assert not missing, missing


def test_one_section_per_extension_point():
    headings = re.findall(r"^### (.+)$", DOC.read_text(encoding="utf-8"), re.M)
    assert [h for h in headings if h in EXTENSION_POINTS] == list(EXTENSION_POINTS)
