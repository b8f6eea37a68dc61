"""The front ends (web page, control API, Telegram, the demo's table) see the daemon only through its `Facade`,
and only the composition root (`solarctl/compose.py`) adds sinks and services to a daemon. Checked on the
source with `ast` (nothing imported), as tests/test_layering.py checks the import graph: a front end that
reaches past the facade again (`daemon.writer.ledger.entries`, `daemon.store.engine`, `daemon.site.devices`)
fails here."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import solarctl
from solarctl.facade import Facade

ROOT = Path(solarctl.__file__).parent
FRONT_ENDS = ("web", "api", "telegram", "demo/view.py")
COMPOSITION_ROOT = ROOT / "compose.py"
# What a front end may ask of the daemon: the Facade's members, nothing else.
ALLOWED = frozenset(name for name in dir(Facade) if not name.startswith("_"))


def _front_end_files() -> list[Path]:
    found: list[Path] = []
    for part in FRONT_ENDS:
        path = ROOT / part
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _is_daemon(node: ast.expr) -> bool:
    """`daemon` or `<anything>.daemon`: what the front ends call the facade they are given."""
    return ((isinstance(node, ast.Name) and node.id == "daemon")
            or (isinstance(node, ast.Attribute) and node.attr == "daemon"))


def reaches(source: str, where: str) -> list[str]:
    """Every way `source` gets at the daemon other than through its Facade."""
    tree = ast.parse(source, where)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "solarctl.daemon" or \
                isinstance(node, ast.Import) and any(a.name == "solarctl.daemon" for a in node.names):
            found.append(f"{where}:{node.lineno}: imports solarctl.daemon")
        elif isinstance(node, ast.Attribute) and _is_daemon(node.value) and node.attr not in ALLOWED:
            found.append(f"{where}:{node.lineno}: daemon.{node.attr} is not in the Facade")
        elif isinstance(node, ast.arg) and node.arg == "daemon" and not (
                isinstance(node.annotation, ast.Name) and node.annotation.id == "Facade"):
            found.append(f"{where}:{node.lineno}: parameter daemon is not typed Facade")
    return sorted(found, key=lambda line: int(line.split(":")[1]))


def adds_parts(source: str, where: str) -> list[str]:
    """`X.sinks` / `X.services` of another object than `self`: adding parts to a daemon from outside."""
    found = []
    for node in ast.walk(ast.parse(source, where)):
        if isinstance(node, ast.Attribute) and node.attr in ("sinks", "services") and \
                not (isinstance(node.value, ast.Name) and node.value.id == "self"):
            found.append(f"{where}:{node.lineno}: .{node.attr} of a daemon")
    return found


def test_the_check_sees_a_reach_past_the_facade():
    planted = ("from typing import TYPE_CHECKING\n"
               "if TYPE_CHECKING:\n    from solarctl.daemon import Daemon\n"
               "def audit(daemon: 'Daemon'):\n    return daemon.writer.ledger.entries, daemon.audit()\n"
               "class View:\n    def f(self):\n        return self.daemon.store.engine\n")
    assert reaches(planted, "x.py") == ["x.py:3: imports solarctl.daemon",
                                        "x.py:4: parameter daemon is not typed Facade",
                                        "x.py:5: daemon.writer is not in the Facade",
                                        "x.py:8: daemon.store is not in the Facade"]
    assert adds_parts("daemon.sinks.append(s)\nself.services = {}\n", "y.py") == ["y.py:1: .sinks of a daemon"]
    assert {"status", "write", "audit", "plan", "health", "ack"} <= ALLOWED and "writer" not in ALLOWED


def test_front_ends_reach_the_daemon_only_through_its_facade():
    gc.collect()  # as in test_layering: a finalizer's traceback during ast.parse breaks it on Python 3.11
    files = _front_end_files()
    assert len(files) > 10 and ROOT / "web" / "app.py" in files and ROOT / "telegram" / "commands.py" in files
    wrong = [line for path in files for line in reaches(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not wrong, "\n".join(wrong)


def test_only_the_composition_root_adds_sinks_and_services():
    gc.collect()
    wrong = [line for path in sorted(ROOT.rglob("*.py")) if path != COMPOSITION_ROOT
             for line in adds_parts(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not wrong, "\n".join(wrong)
