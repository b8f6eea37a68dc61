"""`solarctl alerts [--active] [--json]` and `solarctl alerts ack ID`: the running daemon's alerts over its
control socket, else those stored in the database."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional, TypeVar

import typer
from sqlalchemy import Engine

from solarctl.api.client import ControlApiError
from solarctl.cli.app import app
from solarctl.cli.device_cmds import _ask_daemon
from solarctl.clock import SystemClock
from solarctl.config import Config, load_config
from solarctl.logs import setup_logging
from solarctl.store import alerts as stored, schema_version
from solarctl.store.engine import StoreError, database_url, explain, make_engine

T = TypeVar("T")

alerts_app = typer.Typer(help="Alerts: list them (the running daemon's, else the database's), acknowledge one.",
                         invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")


def fail(command: str, message: str) -> None:
    print(f"solarctl {command}: {message}", file=sys.stderr)
    raise typer.Exit(1)


@contextlib.contextmanager
def database(cfg: Config) -> Iterator[Engine]:
    """The configured database at the current schema; a StoreError sentence when it is away or not migrated."""
    from sqlalchemy import exc

    engine = make_engine(database_url(cfg))
    try:
        if not schema_version.at_head(engine):
            from solarctl.store import migrate

            migrate.check_current(engine)  # says what is wrong and to run `solarctl db migrate`
        yield engine
    except exc.DBAPIError as error:
        raise explain(error, engine.url) from None
    finally:
        engine.dispose()


def ConfigFor(usage: str):
    return typer.Option(None, "--config", "-c", help=f"solarctl.toml ({usage})")


def _load(command: str, config: Optional[Path]) -> Config:
    if config is None:
        fail(command, "needs the config file: --config FILE")
    return load_config(config)


def _ask(command: str, cfg: Config, op: str, **fields):
    try:
        return _ask_daemon(cfg, op, **fields)
    except ControlApiError as error:
        fail(command, str(error))


def daemon_or_database(command: str, cfg: Config, request: dict, query: Callable[[Engine], T]) -> tuple[dict | None, T | None]:
    """(the running daemon's answer to `request`, None), or (None, `query` on the database) when no daemon runs."""
    answer = _ask(command, cfg, request["op"], **{k: v for k, v in request.items() if k != "op"})
    if answer is not None:
        return answer, None
    try:
        with database(cfg) as engine:
            return None, query(engine)
    except StoreError as error:
        fail(command, str(error))
        raise  # not reached: fail() exits


def _when(t: float | None) -> str:
    return "-" if t is None else datetime.fromtimestamp(t).isoformat(" ", "seconds")


@alerts_app.callback()
def alerts(
    ctx: typer.Context,
    config: Optional[Path] = ConfigFor("solarctl alerts -c FILE [ack ID]"),
    active: bool = typer.Option(False, "--active", help="only alerts not cleared"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List alerts, oldest first."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = config
        return
    cfg = _load("alerts", config)
    setup_logging("error")
    answer, events = daemon_or_database("alerts", cfg, {"op": "alerts", "active": active},
                                        lambda engine: stored.alerts(engine, active_only=active))
    found = answer["alerts"] if answer is not None else [dataclasses.asdict(e) for e in events]
    if as_json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return
    for a in found:
        print(f"{a['id']:>5} {a['state']:<12} {a['severity']:<8} {a['kind']}{' ' + a['device'] if a['device'] else ''}: "
              f"{a['message']} (x{a['count']}, {_when(a['first_seen'])} .. {_when(a['last_seen'])})")


@alerts_app.command("ack")
def ack(ctx: typer.Context, alert_id: int = typer.Argument(..., metavar="ID"),
        config: Optional[Path] = ConfigFor("solarctl alerts ack ID -c FILE")) -> None:
    """Acknowledge an open alert by its id."""
    cfg = _load("alerts ack", config or ctx.obj)
    setup_logging("error")
    answer, found = daemon_or_database("alerts ack", cfg, {"op": "ack", "id": alert_id},
                                       lambda engine: stored.acknowledge(engine, alert_id, SystemClock().time()))
    if answer is None and found is None:
        fail("alerts ack", f"no open alert has id {alert_id}; `solarctl alerts --active` lists them")
    event = answer["alert"] if answer is not None else dataclasses.asdict(found)
    print(f"alert {event['id']} ({event['kind']}) is {event['state']}")
