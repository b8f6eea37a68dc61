"""What can stop `run`, `demo` or `sim` from starting on a newcomer's machine, said as one sentence with
its fix and exit status 1, never as a traceback."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import typer

from solarctl.logs import setup_logging
from solarctl.plant.extras import MissingExtraError
from solarctl.private_files import DataDirError, prepare_data_dir, private_dir
from solarctl.publish.mqtt_config import MqttSetupError
from solarctl.sim.errors import SimulatorError
from solarctl.store.engine import StoreError
from solarctl.telegram.config import TelegramSetupError
from solarctl.web.config import WebPortUnavailable


class StartupError(Exception):
    """A problem the user can fix before the command can start; the message says what and how."""


@contextlib.contextmanager
def one_sentence_errors(command: str) -> Iterator[None]:
    try:
        yield
    except (StartupError, SimulatorError, MissingExtraError, StoreError, MqttSetupError,
            TelegramSetupError, WebPortUnavailable) as exc:
        print(f"solarctl {command}: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None


def writable_dir(path: Path, what: str, fix: str) -> Path:
    """Make `path` if needed and prove it takes a file (a read-only disk or a foreign owner fails here, not
    halfway through a start)."""
    try:
        private_dir(path)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise StartupError(f"{what} {path} is not writable ({exc.strerror}); {fix}") from None
    return path


def private_data_dir(config) -> None:
    """The data dir 0700 (or 2750 for [general] group): nobody else reads the samples or the audit (issue 19)."""
    own = tuple(p.name for p in (config.general.log_file, config.command_file and config.command_file.path) if p)
    try:
        prepare_data_dir(config.general.data_dir, config.general.group, own)
    except DataDirError as exc:
        raise StartupError(f"{exc.strerror}; set [general] group to a group of this user, or remove it") from None


def start_logging(level: str, file: Path | None) -> None:
    try:
        setup_logging(level, file)
    except OSError as exc:
        raise StartupError(f"cannot write the log file {file} ({exc.strerror}); set [general] log_file to a path "
                           "this user may write, or remove it to log to stderr only") from None
