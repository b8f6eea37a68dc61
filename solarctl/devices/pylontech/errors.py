"""The one error every Pylontech console parser raises."""

from __future__ import annotations

from solarctl.errors import DecodeError


class ConsoleParseError(DecodeError):
    """A console answer that is truncated, garbled or not the expected command's.

    The message says which command, which line (1-based, counting LF in the raw answer) and what was
    expected, e.g. ``pwr: line 4: column 'Volt': expected an integer, got '5o691'``.
    """

    def __init__(self, message: str, *, command: str | None = None, line: int | None = None) -> None:
        self.command = command
        self.line = line
        self.reason = message  # without the command and line
        where = "".join(
            [f"{command}: " if command else "", f"line {line}: " if line is not None else ""]
        )
        super().__init__(where + message)
