"""`solarctl install-service [--dry-run]`: the systemd unit and the udev rule template (solarctl.service)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.cli.startup import StartupError, one_sentence_errors
from solarctl.config import load_config
from solarctl.service import UDEV_NAME, UNIT_NAME, ServiceSpec, reach_notes, serial_names, udev_text, unit_text


@app.command("install-service")
def install_service(
    config: Path = typer.Option(Path("/etc/solarctl/solarctl.toml"), "--config", "-c", help="the config the service runs"),
    user: str = typer.Option("solarctl", "--user", help="the system user it runs as (made if missing)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the files instead of installing them"),
    unit_dir: Path = typer.Option(Path("/etc/systemd/system"), "--unit-dir"),
    udev_dir: Path = typer.Option(Path("/etc/udev/rules.d"), "--udev-dir"),
) -> None:
    """Install solarctl as a systemd service (dedicated user, data dir, serial access, restart on failure)."""
    cfg = load_config(config) if config.exists() else None
    spec = ServiceSpec(Path(sys.executable), config.absolute(), user, group=cfg.general.group if cfg else None)
    if cfg is None:
        print(f"solarctl install-service: note: {config} does not exist yet; write it before starting the service",
              file=sys.stderr)
    elif "data_dir" in cfg.general.model_fields_set and cfg.general.data_dir != spec.data_dir:
        print(f"solarctl install-service: note: {config} sets [general] data_dir = {cfg.general.data_dir}; the service "
              f"prepares {spec.data_dir}: remove that key or make sure {user} may write there", file=sys.stderr)
    for note in reach_notes(cfg, user):
        print(f"solarctl install-service: note: {note}", file=sys.stderr)
    files = {unit_dir / UNIT_NAME: unit_text(spec), udev_dir / UDEV_NAME: udev_text(serial_names(cfg))}
    if dry_run:
        for path, text in files.items():
            print(f"# {path}\n{text}")
        return
    with one_sentence_errors("install-service"):
        if os.geteuid() != 0:
            raise StartupError("installing a system service needs root; run it with sudo, or use --dry-run to see the files")
        _ensure_user(user)
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
    if Path("/run/systemd/system").is_dir() and shutil.which("systemctl"):
        subprocess.run(["systemctl", "daemon-reload"], check=False)
    print(f"next: fill in {udev_dir / UDEV_NAME} for your adapters, then: systemctl enable --now {UNIT_NAME}",
          file=sys.stderr)


def _ensure_user(user: str) -> None:
    if subprocess.run(["id", "-u", user], capture_output=True).returncode == 0:
        return
    made = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", f"/var/lib/{user}",
                           "--shell", "/usr/sbin/nologin", user], capture_output=True, text=True)
    if made.returncode != 0:
        raise StartupError(f"cannot create the system user {user!r} ({made.stderr.strip()}); create it yourself "
                           f"(useradd --system {user}) and run this again")
