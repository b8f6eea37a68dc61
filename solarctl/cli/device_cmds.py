"""`solarctl read` and `solarctl set`: one poll, one verified write."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import typer

from solarctl.cli.app import app
from solarctl.clock import SystemClock
from solarctl.config import ConfigError, load_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
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
    """Poll the configured devices once and print the values (SI units)."""
    cfg = load_config(config)
    setup_logging("error")
    if device:
        unknown = [d for d in device if d not in {c.name for c in cfg.device}]
        if unknown:
            raise ConfigError(f"{config}: no device named {unknown[0]!r}; configured: {', '.join(c.name for c in cfg.device)}")
        cfg = cfg.model_copy(update={"device": [c for c in cfg.device if c.name in device]})
    results, site = asyncio.run(_poll(cfg))
    failed = {name: r for name, r in results.items() if isinstance(r, PollError)}
    for name, err in failed.items():
        print(f"solarctl read: {name}: {err.reason}", file=sys.stderr)
    samples = {name: r for name, r in results.items() if isinstance(r, Sample)}
    if as_json:
        out = {
            "devices": {name: dict(s.values) for name, s in samples.items()},
            "alarms": {name: list(s.alarms) for name, s in samples.items() if s.alarms},
            "health": {name: dev.health.as_dict() for name, dev in site.devices.items()},
        }
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    else:
        for name, s in samples.items():
            print(f"[{name}]")
            for key, value in s.values.items():
                unit = s.units.get(key, "")
                print(f"  {key} = {value}{' ' + unit if unit else ''}")
    raise typer.Exit(1 if failed else 0)


async def _poll(cfg):
    site = Installation(cfg, SystemClock())
    try:
        return await site.poll_once(), site
    finally:
        await site.close()


@app.command("set")
def set_(
    target: str = typer.Argument(..., metavar="DEVICE.SETTING", help="e.g. xw.load_shave"),
    value: str = typer.Argument(..., help="new value in SI units, or an enum text such as Enable"),
    config: Path = ConfigOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="validate and read, but write nothing"),
) -> None:
    """One verified write through the safe-write layer (read back, budget, audit ledger)."""
    cfg = load_config(config)
    setup_logging("error")
    device, sep, setting = target.partition(".")
    if not sep or not device or not setting:
        raise ConfigError(f"{target!r}: expected DEVICE.SETTING, e.g. xw.load_shave")
    outcome = asyncio.run(_set(cfg, device, setting, value, dry_run))
    stream = sys.stdout if outcome.ok else sys.stderr
    print(outcome.describe(), file=stream)
    raise typer.Exit(0 if outcome.ok else 2 if outcome.outcome == "rejected" else 1)


async def _set(cfg, device: str, setting: str, value: str, dry_run: bool):
    clock = SystemClock()
    site = Installation(cfg, clock)
    ledger = AuditLedger(cfg.general.data_dir / "audit.jsonl")
    writer = SafeWriter(site, ledger, clock, daily_budget=cfg.control.daily_write_budget,
                        dry_run=cfg.control.dry_run or dry_run)
    try:
        return await writer.write(device, setting, value, source="cli")
    finally:
        await site.close()
