"""The `solarctl` command line. Each area adds its commands in its own module."""

from __future__ import annotations

import sys

from solarctl.cli.app import app
from solarctl.config import ConfigError

# Importing these registers their commands on `app`.
from solarctl.cli import (alerts_cmd, audit_cmd, config_cmd, db_cmd, decode_cmd, demo_cmd, device_cmds,  # noqa: E402,F401
                          plan_cmd, run_cmd, service_cmd, sim_cmd, simulate_cmd, web_cmd)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        print(f"solarctl: config error:\n{exc}", file=sys.stderr)
        sys.exit(2)
