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
    print(f"{config}: OK, {len(cfg.device)} device(s): {', '.join(d.name for d in cfg.device) or 'none'}")


@config_app.command("import-scp")
def import_scp(
    scp_cfg: Path = typer.Argument(..., exists=True, dir_okay=False, help="the old scp.cfg"),
    output: Path = typer.Option(None, "--output", "-o", help="write here instead of printing"),
) -> None:
    """Convert an old Solar-Control-Program scp.cfg into solarctl TOML."""
    from solarctl.config.scp_import import convert_scp  # brings tomli_w, which no other command needs

    result = convert_scp(scp_cfg.read_text(encoding="utf-8", errors="replace"), str(scp_cfg))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if output is None:
        print(result.toml, end="")
        return
    output.write_text(result.toml, encoding="utf-8")
    if result.has_secret:
        output.chmod(0o600)  # the database password came along from scp.cfg
        print(f"{output}: contains the database password from {scp_cfg}; written with mode 600", file=sys.stderr)
    print(f"wrote {output}", file=sys.stderr)
