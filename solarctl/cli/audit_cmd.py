"""`solarctl audit [--since] [--device] [--json]`: every write attempt, from the running daemon's ledger,
else from the database (brought up to date from the ledger file first), else from the file itself."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer

from solarctl.cli.alerts_cmd import _ask, _when, database
from solarctl.cli.app import app
from solarctl.cli.device_cmds import ConfigOption
from solarctl.config import ConfigError, load_config
from solarctl.control.ledger import AuditLedger
from solarctl.data_paths import ledger_path
from solarctl.logs import setup_logging
from solarctl.store.engine import StoreError


def parse_since(text: str) -> float:
    """Epoch seconds, or an ISO 8601 time (local time unless it names its zone)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise ConfigError(f"--since {text!r}: give a time such as 2026-11-25T15:00 or epoch seconds") from None


@app.command()
def audit(
    config: Path = ConfigOption,
    since: Optional[str] = typer.Option(None, "--since", help="from this time (ISO 8601, local time, or epoch seconds)"),
    device: Optional[str] = typer.Option(None, "--device", "-d", help="only this device"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Every write attempt (time, source, device, setting, register, before, requested, after, outcome, reason)."""
    cfg = load_config(config)
    setup_logging("error")
    start = None if since is None else parse_since(since)
    fields = {k: v for k, v in (("since", start), ("device", device)) if v is not None}
    answer = _ask("audit", cfg, "audit", **fields)
    entries = answer["entries"] if answer is not None else stored_entries(cfg, start, device)
    if as_json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for e in entries:
        print(f"{_when(e['time'])} {e['source']:<20} {e['device']}.{e['setting']} = {e['requested']}: {e['outcome']}"
              f"{' (' + str(e['before']) + ' -> ' + str(e['after']) + ')' if e['outcome'] == 'written' else ''}"
              f"{': ' + e['reason'] if e['reason'] else ''}")


def stored_entries(cfg, since: float | None, device: str | None) -> list[dict]:
    from solarctl.api.ops import matching
    from solarctl.store import audit as stored

    path = ledger_path(cfg.general.data_dir)
    try:
        with database(cfg) as engine:
            with engine.begin() as conn:
                stored.catch_up(conn, path)  # the file is the source of truth: rows no daemon copied yet
            return stored.entries(engine, since=since, device=device)
    except StoreError:
        return matching(AuditLedger(path if path.exists() else None).entries, since, device)
