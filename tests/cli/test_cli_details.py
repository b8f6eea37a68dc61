"""Small CLI details (issue 15): help texts keep the config tables they name, a negative value needs no `--`,
`config check` says OK on stdout."""

from __future__ import annotations

import re

import typer.main
from typer.testing import CliRunner

from solarctl.cli import app
from tests.cli.test_config_cli import solarctl

TABLE = re.compile(r"\[[a-z_.]+\]")  # a config table named in a help text, e.g. [storage]


def commands(group, path=()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if hasattr(command, "commands"):  # a group
            yield from commands(command, (*path, name))


def test_every_help_text_keeps_the_tables_it_names():
    root = typer.main.get_command(app)
    checked = 0
    for path, command in commands(root):
        written = " ".join([command.help or "", *(getattr(p, "help", None) or "" for p in command.params)])
        tables = TABLE.findall(written)
        if not tables:
            continue
        shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=200).output
        for table in tables:
            assert table in shown, (path, table)
        checked += 1
    assert checked >= 3  # db export, backup, import-scp-csv at least


def test_set_takes_a_negative_value_without_a_double_dash(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path}"\n[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "127.0.0.1"\nport = 1\n')
    result = solarctl("set", "--config", str(path), "xw.low_battery_cut_out", "-5")
    assert result.returncode == 2 and "-5" in result.stderr and "outside the valid range" in result.stderr, result.stderr
    assert "No such option" not in result.stderr


def test_config_check_says_ok_on_stdout(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path}"\n')
    result = solarctl("config", "check", "--config", str(path))
    assert result.returncode == 0 and result.stdout.startswith(f"{path}: OK") and result.stderr == ""
