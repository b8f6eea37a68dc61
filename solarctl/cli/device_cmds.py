"""`solarctl read` and `solarctl set`: one poll, one verified write.

While a daemon runs for the config's data dir it owns the ports, so both ask it over its control
socket (solarctl/api/); only when none runs do they open the devices themselves.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from solarctl.api.client import ControlApiError, ControlClient
from solarctl.cli.app import app
from solarctl.clock import SystemClock
from solarctl.config import ConfigError, load_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter, WriteOutcome
from solarctl.installation import Installation
from solarctl.logs import setup_logging
from solarctl.sample import PollError, Sample

ConfigOption = typer.Option(..., "--config", "-c", help="solarctl.toml", exists=False)


@app.command()
def read(
    config: Path = ConfigOption,
    device: list[str] = typer.Option(None, "--device", "-d", help="only this device (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Print the configured devices' values (SI units): the running daemon's latest, else one poll."""
    cfg = load_config(config)
    setup_logging("error")
    if device:
        unknown = [d for d in device if d not in {c.name for c in cfg.device}]
        if unknown:
            raise ConfigError(f"{config}: no device named {unknown[0]!r}; configured: {', '.join(c.name for c in cfg.device)}")
        cfg = cfg.model_copy(update={"device": [c for c in cfg.device if c.name in device]})
    try:
        report = _ask_daemon(cfg, "read", **({"devices": device} if device else {}))
    except ControlApiError as exc:
        print(f"solarctl read: {exc}", file=sys.stderr)
        raise typer.Exit(1)
    if report is None:
        report = asyncio.run(_poll(cfg))
    for name, reason in report["errors"].items():
        print(f"solarctl read: {name}: {reason}", file=sys.stderr)
    if as_json:
        print(json.dumps({key: report[key] for key in ("devices", "alarms", "health")},
                         indent=2, ensure_ascii=False, default=str))
    else:
        for name, values in report["devices"].items():
            units = report["units"][name]
            print(f"[{name}]")
            for key, value in values.items():
                unit = units.get(key, "")
                print(f"  {key} = {value}{' ' + unit if unit else ''}")
    raise typer.Exit(1 if report["errors"] else 0)


def _ask_daemon(cfg, op: str, **fields):
    """The answer of the daemon running for this config's data dir, or None when none runs."""
    client = ControlClient.connect(cfg.general.data_dir)
    if client is None:
        return None
    with client:
        return client.request(op, **fields)


async def _poll(cfg) -> dict:
    """One poll of every device, reported as the daemon reports its latest values."""
    site = Installation(cfg, SystemClock())
    try:
        results = await site.poll_once()
    finally:
        await site.close()
    samples = {name: r for name, r in results.items() if isinstance(r, Sample)}
    return {
        "devices": {name: dict(s.values) for name, s in samples.items()},
        "units": {name: dict(s.units) for name, s in samples.items()},
        "alarms": {name: list(s.alarms) for name, s in samples.items() if s.alarms},
        "errors": {name: r.reason for name, r in results.items() if isinstance(r, PollError)},
        "health": {name: dev.health.as_dict() for name, dev in site.devices.items()},
    }


@app.command("set", context_settings={"ignore_unknown_options": True})  # `set xw.offset -5` needs no `--`
def set_(
    target: str = typer.Argument(..., metavar="DEVICE.SETTING", help="e.g. xw.load_shave"),
    value: str = typer.Argument(..., help="new value in SI units, or an enum text such as Enable"),
    config: Path = ConfigOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="validate and read, but write nothing"),
) -> None:
    """One verified write through the safe-write layer (read back, budget, audit ledger); through the
    running daemon when there is one."""
    cfg = load_config(config)
    setup_logging("error")
    device, sep, setting = target.partition(".")
    if not sep or not device or not setting:
        raise ConfigError(f"{target!r}: expected DEVICE.SETTING, e.g. xw.load_shave")
    dry_run = dry_run or cfg.control.dry_run
    try:
        answer = _ask_daemon(cfg, "set", device=device, setting=setting, value=value, dry_run=dry_run, source="cli")
    except ControlApiError as exc:
        print(f"solarctl set: {exc}", file=sys.stderr)
        raise typer.Exit(1)
    outcome = WriteOutcome(**answer) if answer is not None else asyncio.run(_set(cfg, device, setting, value, dry_run))
    stream = sys.stdout if outcome.ok else sys.stderr
    print(outcome.describe(), file=stream)
    raise typer.Exit(0 if outcome.ok else 2 if outcome.outcome == "rejected" else 1)


async def _set(cfg, device: str, setting: str, value: str, dry_run: bool):
    clock = SystemClock()
    site = Installation(cfg, clock)
    ledger = AuditLedger(cfg.general.data_dir / "audit.jsonl")
    writer = SafeWriter(site, ledger, clock, daily_budget=cfg.control.daily_write_budget, dry_run=dry_run,
                        budget_file=cfg.control.budget_file)
    try:
        return await writer.write(device, setting, value, source="cli")
    finally:
        await site.close()
