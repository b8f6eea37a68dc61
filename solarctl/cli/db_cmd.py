"""`solarctl db ...`: create and migrate the database, import SCP logs, export, back up and restore."""

from __future__ import annotations

import functools
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Sequence
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import exc

from solarctl.cli.app import PLAIN, app
from solarctl.config import Config, load_config
from solarctl.store import backup, export
from solarctl.store.engine import StoreError, database_url, explain, make_engine, masked
from solarctl.store.records import encode
from solarctl.store.scp_csv import ScpCsvError, log_files, read_log
from solarctl.store.store import backup_dir
from solarctl.store.writer import BatchWriter

if TYPE_CHECKING:
    from solarctl.store.config import StorageConfig
    from solarctl.store.scp_tables import Copied

db_app = typer.Typer(help="Database tools: init, migrate, import-scp-csv, import-scp-mysql, export, backup, restore.", no_args_is_help=True, **PLAIN)
app.add_typer(db_app, name="db")

ConfigOpt = typer.Option(None, "--config", "-c", help="solarctl.toml (default: built-in defaults, SQLite under the data directory)")
UrlOpt = typer.Option(None, "--url", help="database URL, instead of [storage] url")


def _config(config: Optional[Path], url: Optional[str]) -> Config:
    cfg = load_config(config) if config else Config()
    if url is not None:
        cfg = cfg.model_copy(update={"storage": cfg.storage.model_copy(update={"url": url})})
    return cfg


def _fail(message: str) -> None:
    print(f"solarctl db: {message}", file=sys.stderr)
    raise typer.Exit(1)


def _errors(fn: Callable) -> Callable:
    """Every storage failure becomes one sentence on stderr and exit status 1, never a traceback."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError as error:
            _fail(str(error))
        except exc.DBAPIError as error:
            cfg = _config(kwargs.get("config"), kwargs.get("url"))
            _fail(str(explain(error, database_url(cfg))))
        except (ScpCsvError, OSError) as error:
            _fail(str(error))

    return run


# `migrate` brings Alembic (~10 MiB): imported by the commands that use it, since every command module is
# imported for every command, `solarctl run` included.


def _ready_engine(cfg: Config):
    from solarctl.store import migrate

    engine = make_engine(database_url(cfg))
    migrate.check_current(engine)
    return engine


ScpZoneOpt = typer.Option(None, "--timezone", help="the SCP machine's time zone (its tables hold local time); default [storage] timezone")


def _adoption(cfg: Config, tz: Optional[str]):
    """How an old SCP database found by migrate is adopted (store/scp_adopt.py)."""
    from solarctl.store.scp_adopt import Adoption

    zone = _zone(tz or cfg.storage.timezone)
    now = datetime.now(timezone.utc)
    return Adoption(cfg.storage, {d.name: d.driver for d in cfg.device}, zone, now.astimezone(zone).date(), now.timestamp())


def _print_adopted(adoption, where: str) -> None:
    for report in adoption.reports:
        print(f"adopted {report.describe()}")
    if not adoption.reports:
        return
    print(f"the old SCP tables are kept unchanged in {where} as {', '.join(r.table for r in adoption.reports)}")
    print(f"their timestamps were read as local time in {adoption.zone.key} (another zone: --timezone NAME)")
    _print_retention(adoption.storage, adoption.reports)


def _print_retention(storage: StorageConfig, reports: Sequence[Copied]) -> None:
    """What retention will do with history taken from SCP (adopted by migrate or copied by import)."""
    newest = max((r.newest for r in reports if r.newest is not None), default=None)
    if newest is None:
        return
    until = datetime.fromtimestamp(newest, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if storage.prune_adopted:
        print(f"retention: [storage] prune_adopted is true: adopted rows older than {storage.raw_retention_days:g} days "
              f"(raw) / {storage.rollup_1m_retention_days:g} days (1-minute rollups) will be deleted by `solarctl run`")
    else:
        print(f"retention: the adopted history (every row up to {until}) is kept whatever the retention says; rows "
              f"written from now on are deleted after {storage.raw_retention_days:g} days (raw) / "
              f"{storage.rollup_1m_retention_days:g} days (1-minute rollups) ([storage] prune_adopted = true applies "
              "retention to the adopted rows too)")


@db_app.command("init")
@_errors
def init(config: Optional[Path] = ConfigOpt, url: Optional[str] = UrlOpt, tz: Optional[str] = ScpZoneOpt) -> None:
    """Create the database (if the user may) and its tables; adopt the old SCP tables if it holds them."""
    from solarctl.store import migrate

    cfg = _config(config, url)
    target = database_url(cfg)
    created = migrate.create_database(target)
    engine = make_engine(target)
    adoption = _adoption(cfg, tz)
    before, after = migrate.upgrade(engine, adoption)
    _print_adopted(adoption, masked(target))
    state = "created, " if created else ""
    print(f"database {masked(target)}: {state}schema at version {after}" + (" (was empty)" if before is None else ""))


@db_app.command("migrate")
@_errors
def migrate_cmd(config: Optional[Path] = ConfigOpt, url: Optional[str] = UrlOpt, tz: Optional[str] = ScpZoneOpt,
                adopt: bool = typer.Option(True, "--adopt/--no-adopt", hidden=True, help="`solarctl run`'s migrate child never adopts")) -> None:
    """Bring the schema to this solarctl's version. The old SCP program's tables are adopted: kept as
    <table>_scp_backup_<date>, their rows copied into solarctl's tables of the same names."""
    from solarctl.store import migrate

    cfg = _config(config, url)
    engine = make_engine(database_url(cfg))
    adoption = _adoption(cfg, tz) if adopt else None
    before, after = migrate.upgrade(engine, adoption)
    if adoption:
        _print_adopted(adoption, masked(engine.url))
    change = "already current" if before == after else f"upgraded from {before or 'empty'}"
    print(f"database {masked(engine.url)}: schema at version {after} ({change})")


@db_app.command("import-scp-mysql")
@_errors
def import_scp_mysql(
    source: str = typer.Argument(..., help="the old SCP database, e.g. mysql://USER:PASSWORD@HOST/scpdata"),
    tz: Optional[str] = ScpZoneOpt,
    config: Optional[Path] = ConfigOpt,
    url: Optional[str] = UrlOpt,
) -> None:
    """Copy the old SCP database's history (pylontech_bms, conext_xw, conext_mppt) into this store; the old
    database is only read."""
    from solarctl.store.scp_adopt import copy_history, record
    from solarctl.store.scp_tables import find_old_tables

    cfg = _config(config, url)
    zone = _zone(tz or cfg.storage.timezone)
    engine = _ready_engine(cfg)
    old = make_engine(_source_url(source))
    try:
        with old.connect() as conn:
            tables = find_old_tables(conn)
            if not tables:
                _fail(f"database {masked(old.url)} has no SCP tables (pylontech_bms, conext_xw, conext_mppt); check the URL")
            reports = copy_history(conn, tables, engine, cfg.storage, {d.name: d.driver for d in cfg.device}, zone)
    except exc.DBAPIError as error:  # the fix names the URL given here, not [storage] url
        raise StoreError(str(explain(error, old.url)).replace("[storage] url", "the old database's URL")) from None
    finally:
        old.dispose()
    # Recorded as `db migrate` records an adoption, so retention keeps this history too.
    record(engine, reports, zone, datetime.now(timezone.utc).timestamp(), kept_in=old.url.database)
    for report in reports:
        print(f"imported {report.describe()}")
    print(f"imported {sum(r.samples for r in reports)} samples from {masked(old.url)} into {masked(engine.url)}")
    _print_retention(cfg.storage, reports)


def _source_url(text: str):
    """An old database's URL, with the driver solarctl ships when it names none (mysql:// -> mysql+pymysql://)."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(text)
    except exc.ArgumentError:
        _fail(f"{text!r} is not a database URL; use mysql://USER:PASSWORD@HOST/DATABASE")
        raise
    return url.set(drivername="mysql+pymysql") if url.drivername in ("mysql", "mariadb") else url


@db_app.command("import-scp-csv")
@_errors
def import_scp_csv(
    directory: Path = typer.Argument(..., exists=True, file_okay=False, help="SCP's CSV_Log_File_Path (files YYYY-MM-DD.csv)"),
    device: Optional[str] = typer.Option(None, "--device", help="device name to file them under (default: the configured pylontech_console, else 'battery')"),
    tz: Optional[str] = typer.Option(None, "--timezone", help="the SCP machine's time zone (its logs are local time); default [storage] timezone"),
    config: Optional[Path] = ConfigOpt,
    url: Optional[str] = UrlOpt,
) -> None:
    """Load the old program's CSV battery logs (both formats) into pylontech_bms, samples and rollups."""
    cfg = _config(config, url)
    name = device or next((d.name for d in cfg.device if d.driver == "pylontech_console"), "battery")
    zone = _zone(tz or cfg.storage.timezone)
    engine = _ready_engine(cfg)
    writer = BatchWriter(engine, {**{d.name: d.driver for d in cfg.device}, name: "pylontech_console"}, cfg.storage)
    files = log_files(directory)
    if not files:
        _fail(f"{directory}: no SCP log files (YYYY-MM-DD.csv) in it")
    total = 0
    for path in files:
        records = [encode(s)[1] for s in read_log(path, name, zone)]
        for i in range(0, len(records), cfg.storage.batch_size):
            writer.write(records[i: i + cfg.storage.batch_size])
        total += len(records)
        print(f"{path.name}: {len(records)} rows")
    print(f"imported {total} rows from {len(files)} file(s) as device {name!r} into {masked(engine.url)}")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        _fail(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'")
        raise


def _when(text: str, zone: ZoneInfo, end: bool) -> datetime:
    """A date or date-time in the local zone -> naive UTC. A date as --to means the end of that day."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text) + timedelta(days=1 if end else 0), datetime.min.time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"{text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM)")
        raise
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


@db_app.command("export")
@_errors
def export_cmd(
    start: str = typer.Option(..., "--from", help="first day or moment (YYYY-MM-DD[THH:MM]), local time of [storage] timezone"),
    end: str = typer.Option(..., "--to", help="last day (included) or moment (excluded)"),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet"),
    output: Path = typer.Option(..., "--output", "-o", help="file to write"),
    table: str = typer.Option("samples", "--table", help=f"one of: {', '.join(export.TABLES)}"),
    device: Optional[str] = typer.Option(None, "--device", help="only this device"),
    config: Optional[Path] = ConfigOpt,
    url: Optional[str] = UrlOpt,
) -> None:
    """Export a time range of samples (or another table) to CSV or Parquet."""
    if fmt not in ("csv", "parquet"):
        _fail(f"--format must be csv or parquet, not {fmt!r}")
    if table not in export.TABLES:
        _fail(f"--table must be one of {', '.join(export.TABLES)}, not {table!r}")
    cfg = _config(config, url)
    zone = _zone(cfg.storage.timezone)
    lo, hi = _when(start, zone, False), _when(end, zone, True)
    if hi <= lo:
        _fail(f"--to ({end}) must be after --from ({start})")
    n = export.export(_ready_engine(cfg), table, lo, hi, fmt, output, device)
    print(f"{output}: {n} rows of {table} ({fmt})")


@db_app.command("backup")
@_errors
def backup_cmd(
    day: Optional[str] = typer.Option(None, "--day", help="local day YYYY-MM-DD (default: yesterday)"),
    directory: Optional[Path] = typer.Option(None, "--dir", help="where to write (default: [storage] backup_dir)"),
    config: Optional[Path] = ConfigOpt,
    url: Optional[str] = UrlOpt,
    whole: bool = typer.Option(False, "--all", help="the whole database, every table, in one file"),
) -> None:
    """Write one day's compressed backup (the daemon does this daily by itself); with --all, the whole database
    (every table) in one file."""
    cfg = _config(config, url)
    zone = _zone(cfg.storage.timezone)
    if whole:
        from solarctl.store import dump

        target = dump.dump_path(directory or backup_dir(cfg), datetime.now(zone).date())
        counts = dump.dump(_ready_engine(cfg), target)
        print(f"{target}: {sum(counts.values())} rows of {len(counts)} tables "
              f"({', '.join(f'{t} {n}' for t, n in counts.items() if n)})")
        return
    which = _when(day, zone, False).replace(tzinfo=timezone.utc).astimezone(zone).date() if day else datetime.now(zone).date() - timedelta(days=1)
    path, count = backup.backup_day(_ready_engine(cfg), directory or backup_dir(cfg), which, zone)
    print(f"{path}: {count} events of {which}")


@db_app.command("restore")
@_errors
def restore_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="a solarctl-YYYY-MM-DD.log.gz backup, or a solarctl-all-….jsonl.gz one (--all)"),
    config: Optional[Path] = ConfigOpt,
    url: Optional[str] = UrlOpt,
) -> None:
    """Load a backup file (a daily one, or a whole-database one from backup --all); rows already there are replaced,
    so restoring twice is harmless."""
    cfg = _config(config, url)
    engine = _ready_engine(cfg)
    from solarctl.store import dump

    if dump.is_dump(file):
        counts = dump.restore_dump(engine, file, cfg.storage.batch_size)
        print(f"{file}: restored {sum(counts.values())} rows of {len(counts)} tables into {masked(engine.url)}")
        return
    writer = BatchWriter(engine, {d.name: d.driver for d in cfg.device}, cfg.storage)
    n = backup.restore(writer, file, cfg.storage.batch_size)
    print(f"{file}: restored {n} events into {masked(engine.url)}")
