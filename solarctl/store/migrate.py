"""Schema versions (Alembic): create the database if asked, bring it to the current version, say where it is."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, exc, inspect, text
from sqlalchemy.engine import URL

from solarctl.store.engine import StoreError, explain, make_engine
from solarctl.store.schema import metadata


def _alembic(connection=None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "solarctl.store:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(_alembic()).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest version; returns (version before, version after)."""
    try:
        with engine.begin() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
            if before is None:
                _refuse_foreign_tables(conn, engine)
            command.upgrade(_alembic(conn), "head")
    except exc.DBAPIError as error:
        raise explain(error, engine.url) from None
    return before, head()


def _refuse_foreign_tables(conn, engine: Engine) -> None:
    """An unversioned database holding tables we would create, e.g. the old SCP's `scpdata`: say so, touch nothing."""
    clash = sorted(set(inspect(conn).get_table_names()) & set(metadata.tables))
    if clash:
        raise StoreError(
            f"database {engine.url.render_as_string(hide_password=True)} already has tables {', '.join(clash)} but no solarctl "
            "schema version (an old SCP database?); solarctl leaves them alone: give [storage] url a new database "
            "(`solarctl db init` creates it) and keep the old one for its history")


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
