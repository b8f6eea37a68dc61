"""`solarctl decode PROTOCOL FILE --json`."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.decoders import decoder_for, decoders
from solarctl.errors import DecodeError


MAX_CAPTURE_BYTES = 1 << 20  # the largest capture (a Pylontech `bat` of 16 modules) is a few KiB
MAX_MESSAGE_CHARS = 300  # an error message quotes at most this much of the input


def read_capture(file: Path) -> bytes:
    """The capture's bytes: a regular file (a FIFO or device would block or never end) of at most
    MAX_CAPTURE_BYTES (read no further than that)."""
    fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DecodeError("not a regular file; give a saved capture")
        data = f.read(MAX_CAPTURE_BYTES + 1)
    if len(data) > MAX_CAPTURE_BYTES:
        raise DecodeError(f"larger than {MAX_CAPTURE_BYTES // 1024} KiB: not a capture of one answer")
    return data


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + f"… ({len(text)} characters)"


@app.command()
def decode(
    protocol: str = typer.Argument(..., help=f"one of: {', '.join(decoders())}"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="captured console text or hex frame file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Decode a captured console text or frame file and print the values.

    Hex files (jk-*): hex bytes; spaces, newlines, commas and 0x prefixes are fine; # starts a comment.

    jk-pb: a 300-byte 55 AA EB 90 frame, alone or as a whole trigger answer (request echo, frame, 00, FC10 ACK, 00).

    jk-4e57: one 4E 57 answer frame, e.g. to the read-all request.

    jk-modbus: one complete FC03 response frame (unit, 03, byte count, data, CRC), or raw register data (big-endian words) under a first line `registers 0x1200`; the read must start at 0x1200.

    pylontech-console: one answer as the console printed it; a first line `cells: N` (the module's `info` Cell Number) makes a `bat` table that lost a row an error.

    Values outside their physical range (a cell at 9.999 V, SoC 430 %) are refused, never printed.
    """
    try:
        values = decoder_for(protocol)(read_capture(file))
    except (DecodeError, OSError) as exc:
        print(f"solarctl decode: {file}: {_cut(str(exc))}", file=sys.stderr)
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(values, indent=2, ensure_ascii=False))
    else:
        for key, value in values.items():
            print(f"{key}: {value}")
