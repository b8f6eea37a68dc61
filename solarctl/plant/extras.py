"""Importing the optional `weather` extra (pvlib, demandlib) with an error that says what to install."""

from __future__ import annotations

import contextlib
import importlib
import warnings
from collections.abc import Iterator
from types import ModuleType


class MissingExtraError(RuntimeError):
    pass


def require(module: str, setting: str) -> ModuleType:
    """Import `module`, or explain that `setting` needs the weather extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"plant {setting} needs the Python package {module.split('.')[0]!r}, which is not installed; "
            "install the extra with: pip install 'solarctl[weather]'"
        ) from None


@contextlib.contextmanager
def quiet_deprecations() -> Iterator[None]:
    """Hide the extras' own pandas deprecation warnings: nothing for a solarctl user to act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield
