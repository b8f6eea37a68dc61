"""`solarctl web-password`: the hash to put in [web] users, so the config never holds a password."""

from __future__ import annotations

import getpass
import sys

import typer

from solarctl.cli.app import app
from solarctl.web.passwords import hash_password


@app.command("web-password")
def web_password() -> None:
    """Read a password (twice at a terminal, one line from a pipe) and print its hash for [web] users."""
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("solarctl web-password: the two passwords differ; run it again", file=sys.stderr)
            raise typer.Exit(1)
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("solarctl web-password: the password is shorter than 8 characters; choose a longer one", file=sys.stderr)
        raise typer.Exit(1)
    print(hash_password(password))
