"""`solarctl config ...`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from solarctl.cli.app import config_app
from solarctl.config import load_config


@config_app.command("check")
def check(config: Path = typer.Option(..., "--config", "-c", help="solarctl.toml")) -> None:
    """Validate a config file and say what it configures."""
    cfg = load_config(config)
    print(f"{config}: OK, {len(cfg.device)} device(s): {', '.join(d.name for d in cfg.device) or 'none'}", file=sys.stderr)
