"""Schema versions (Alembic): create the database if asked, bring it to the current version, say where it is."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, exc, inspect, text
from sqlalchemy.engine import URL

from solarctl.store.engine import StoreError, explain, make_engine
from solarctl.store import scp_adopt
from solarctl.store.scp_adopt import Adoption
from solarctl.store.scp_tables import find_old_tables
from solarctl.store.schema import metadata


def _alembic(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "solarctl.store:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    newest = ScriptDirectory.from_config(_alembic()).get_current_head()
    if newest is None:
        raise RuntimeError("solarctl's schema migrations are missing from its installation")
    return newest


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, adopt: Adoption | None = None) -> tuple[str | None, str]:
    """Bring the schema to the newest version; returns (version before, version after). An unversioned database
    holding the old SCP tables is adopted when `adopt` says how (scp_adopt.py), else refused with what to run."""
    try:
        with engine.begin() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
            pending = _unversioned(conn, engine, adopt) if before is None else []
            command.upgrade(_alembic(conn), "head")
            if pending:
                conn.execute(text("DELETE FROM alembic_version"))  # versioned once every row is copied, not before
        if pending:
            assert adopt is not None  # _unversioned sets backups aside only when adopting
            _copy_backups(engine, pending, adopt)
            with engine.begin() as conn:
                command.stamp(_alembic(conn), "head")
    except exc.DBAPIError as error:
        raise explain(error, engine.url) from None
    return before, head()


def _unversioned(conn: Connection, engine: Engine, adopt: Adoption | None) -> list[Any]:
    """Refuse foreign tables we would create; set the old SCP tables aside as backups. Returns the backups to copy."""
    where = engine.url.render_as_string(hide_password=True)
    if "alembic_version" in inspect(conn).get_table_names() and scp_adopt.backups(conn):
        # An adoption cut short (killed while copying): solarctl's tables hold part of the copy; start it over.
        if adopt is None:
            raise StoreError(f"database {where}: adopting the old SCP tables was cut short; run `solarctl db migrate` to finish it")
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE alembic_version"))
    old = find_old_tables(conn)
    clash = sorted(set(inspect(conn).get_table_names()) & set(metadata.tables) - {t.table for t in old})
    if clash:
        raise StoreError(
            f"database {where} already has tables {', '.join(clash)} but no solarctl schema version; solarctl leaves "
            "them alone: give [storage] url a new database (`solarctl db init` creates it) and keep the old one")
    if not old and not scp_adopt.backups(conn):
        return []
    if adopt is None:
        raise StoreError(f"database {where} holds the old SCP tables; run `solarctl db migrate` to adopt them "
                         "(they are kept as *_scp_backup_<date> tables and their rows copied into solarctl's)")
    scp_adopt.set_aside(conn, adopt.today)
    return scp_adopt.backups(conn)


def _copy_backups(engine: Engine, pending: list[Any], adopt: Adoption) -> None:
    """Copy the backups into the new tables; a failure undoes the new schema, so the next migrate starts over."""
    try:
        with engine.connect() as source:
            adopt.reports = scp_adopt.copy_history(source, pending, engine, adopt.storage, adopt.devices, adopt.zone)
        scp_adopt.record(engine, adopt.reports, adopt.zone, adopt.now)
    except BaseException:
        metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        raise


def create_database(url: URL) -> bool:
    """Create the MySQL/PostgreSQL database named in the URL if it is missing; True if it was created."""
    backend = url.get_backend_name()
    if backend == "sqlite" or not url.database:
        return False
    server = make_engine(url._replace(database="postgres" if backend == "postgresql" else None))  # set() ignores None
    name = url.database
    try:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if backend == "postgresql":
                if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                    return False
                conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\''))
            else:
                if conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :n"), {"n": name}).first():
                    return False
                conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
        return True
    except exc.DBAPIError as error:
        raise explain(error, url) from None
    finally:
        server.dispose()


def check_current(engine: Engine) -> None:
    """Raise a StoreError saying what to run when the schema is not at the current version."""
    try:
        have = current(engine)
    except exc.DBAPIError as error:
        raise explain(error, engine.url) from None
    if have != head():
        state = "has no solarctl schema" if have is None else f"is at schema version {have}, this solarctl needs {head()}"
        raise StoreError(f"database {engine.url.render_as_string(hide_password=True)} {state}; run `solarctl db migrate`")
