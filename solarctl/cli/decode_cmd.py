"""`solarctl decode PROTOCOL FILE --json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.decoders import DECODERS, DecodeError, decoder_for


@app.command()
def decode(
    protocol: str = typer.Argument(..., help=f"one of: {', '.join(DECODERS)}"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="captured console text or hex frame file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Decode a captured console text or frame file and print the values."""
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
