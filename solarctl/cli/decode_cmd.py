"""`solarctl decode PROTOCOL FILE --json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.decoders import decoder_for, decoders
from solarctl.errors import DecodeError


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

    jk-modbus: one FC03 response frame (unit, 03, byte count, data, CRC) or raw register data (big-endian words); the read must start at 0x1200.
    """
    try:
        values = decoder_for(protocol)(file.read_bytes())
    except DecodeError as exc:
        print(f"solarctl decode: {file}: {exc}", file=sys.stderr)
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(values, indent=2, ensure_ascii=False))
    else:
        for key, value in values.items():
            print(f"{key}: {value}")
